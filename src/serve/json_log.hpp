#pragma once
#include <cstdio>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace autoscale::serve {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };
// `s` as a JSON string literal (quotes and escapes; invalid UTF-8 replaced).
std::string json_quote(std::string_view s);
LogLevel parse_log_level(const std::string& name);  // debug | info | warn | error | off

// Structured logs: one JSON object per line ({"time", "level", "msg", ...fields}) on stderr (or
// the given stream). Lines are gathered whole under a lock (threads never interleave) and written
// by a background thread every 20 ms, so a request never waits on a write to the log; warnings
// and errors are written at once. A SIGKILL loses at most the last 20 ms of info lines.
class JsonLog {
 public:
  explicit JsonLog(LogLevel level, std::FILE* out = stderr);
  ~JsonLog();
  JsonLog(const JsonLog&) = delete;
  JsonLog& operator=(const JsonLog&) = delete;
  bool enabled(LogLevel l) const { return l >= level_ && level_ != LogLevel::kOff; }
  void write(LogLevel l, const std::string& msg, nlohmann::json fields = nlohmann::json::object());
  // The same line from JSON members already formatted ("\"k\":1,\"s\":\"x\""): the request path
  // logs every request, and building a JSON object for each would cost more than the request.
  void write_members(LogLevel l, std::string_view msg, std::string_view members);
  void flush();

 private:
  void append(LogLevel l, std::string line);

  LogLevel level_;
  std::FILE* out_;
  std::mutex mu_, out_mu_;  // out_mu_ before mu_, never the other way
  std::condition_variable cv_;
  std::string pending_;
  bool stop_ = false;
  std::thread writer_;
};

}  // namespace autoscale::serve
