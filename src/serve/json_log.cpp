#include "serve/json_log.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

#include "core/error.hpp"

namespace autoscale::serve {

LogLevel parse_log_level(const std::string& name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  if (name == "off") return LogLevel::kOff;
  throw Error("unknown log level '" + name + "' (known: debug, info, warn, error, off)");
}

void JsonLog::write(LogLevel l, const std::string& msg, nlohmann::json fields) {
  if (!enabled(l)) return;
  static constexpr const char* kNames[] = {"debug", "info", "warn", "error", "off"};
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  nlohmann::json j = {{"time", fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(secs), static_cast<int>(ms % 1000))},
                      {"level", kNames[static_cast<int>(l)]},
                      {"msg", msg}};
  for (auto& [k, v] : fields.items()) j[k] = v;
  const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace autoscale::serve
