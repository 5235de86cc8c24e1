#include "serve/json_log.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
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

namespace {

constexpr const char* kNames[] = {"debug", "info", "warn", "error", "off"};

// "2026-01-01T00:00:00.123Z", the seconds part formatted once per second per thread.
std::string now_text() {
  thread_local std::time_t cached_secs = -1;
  thread_local std::string cached;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  if (secs != cached_secs) {
    cached = fmt::format("{:%Y-%m-%dT%H:%M:%S}", fmt::gmtime(secs));
    cached_secs = secs;
  }
  return fmt::format("{}.{:03d}Z", cached, static_cast<int>(ms % 1000));
}

}  // namespace

std::string json_quote(std::string_view s) {
  // Most logged strings (routes, paths, model names) need no escaping: quote them directly.
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  });
  if (plain) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    out += s;
    out += '"';
    return out;
  }
  return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void JsonLog::write(LogLevel l, const std::string& msg, nlohmann::json fields) {
  if (!enabled(l)) return;
  nlohmann::json j = {{"time", now_text()}, {"level", kNames[static_cast<int>(l)]}, {"msg", msg}};
  for (auto& [k, v] : fields.items()) j[k] = v;
  append(l, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

void JsonLog::write_members(LogLevel l, std::string_view msg, std::string_view members) {
  if (!enabled(l)) return;
  append(l, fmt::format(R"({{"time":"{}","level":"{}","msg":{}{}{}}})"
                        "\n",
                        now_text(), kNames[static_cast<int>(l)], json_quote(msg), members.empty() ? "" : ",", members));
}

void JsonLog::append(LogLevel l, std::string line) {
  bool flush_now;
  {
    std::lock_guard lock(mu_);
    pending_ += line;
    flush_now = l >= LogLevel::kWarn || pending_.size() > (1 << 20);
  }
  if (flush_now) flush();
}

JsonLog::JsonLog(LogLevel level, std::FILE* out) : level_(level), out_(out) {
  writer_ = std::thread([this] {
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait_for(lock, std::chrono::milliseconds(20), [this] { return stop_; });
        if (stop_) return;
      }
      flush();
    }
  });
}

JsonLog::~JsonLog() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  writer_.join();
  flush();
}

// out_mu_ is held from taking the batch to writing it, so batches are written in order.
void JsonLog::flush() {
  std::lock_guard out(out_mu_);
  std::string batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
  }
  if (batch.empty()) return;
  std::fwrite(batch.data(), 1, batch.size(), out_);
  std::fflush(out_);
}
}  // namespace autoscale::serve
