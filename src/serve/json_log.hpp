#pragma once
#include <cstdio>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace autoscale::serve {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };
LogLevel parse_log_level(const std::string& name);  // debug | info | warn | error | off

// Structured logs: one JSON object per line ({"time", "level", "msg", ...fields}) on stderr (or
// the given stream), written whole under a lock so lines from threads never interleave.
class JsonLog {
 public:
  explicit JsonLog(LogLevel level, std::FILE* out = stderr) : level_(level), out_(out) {}
  bool enabled(LogLevel l) const { return l >= level_ && level_ != LogLevel::kOff; }
  void write(LogLevel l, const std::string& msg, nlohmann::json fields = nlohmann::json::object());

 private:
  LogLevel level_;
  std::FILE* out_;
  std::mutex mu_;
};

}  // namespace autoscale::serve
