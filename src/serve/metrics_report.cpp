#include "serve/metrics_report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "load/timestamp.hpp"
#include "serve/http_error.hpp"

namespace autoscale::serve {
namespace {

constexpr std::int64_t kMaxCount = 1'000'000'000'000;  // far above any real service, far below overflow
constexpr int kMaxMachines = 10'000'000;

void expect_object_with(const nlohmann::json& j, const std::set<std::string>& known, const std::string& what) {
  if (!j.is_object()) throw bad_request(fmt::format("{} must be a JSON object", what));
  for (const auto& [key, value] : j.items()) {
    (void)value;
    if (!known.count(key)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw bad_request(fmt::format("unknown field '{}' in {} (known: {})", key, what, list));
    }
  }
}

const nlohmann::json& required(const nlohmann::json& j, const char* field) {
  if (!j.contains(field)) throw bad_request(fmt::format("missing field '{}'", field));
  return j.at(field);
}

// A count of transactions: any finite non-negative number, rounded to a whole transaction.
std::int64_t transactions(const nlohmann::json& v, const char* field) {
  if (!v.is_number()) throw bad_request(fmt::format("'{}' must be a number", field));
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < 0 || d > static_cast<double>(kMaxCount)) {
    throw bad_request(fmt::format("'{}' must be a finite number in [0, {}]", field, kMaxCount));
  }
  return std::llround(d);
}

int machines(const nlohmann::json& v, const std::string& field) {
  if (!v.is_number_integer()) throw bad_request(fmt::format("'{}' must be an integer", field));
  const auto n = v.get<std::int64_t>();
  if (n < 0 || n > kMaxMachines) throw bad_request(fmt::format("'{}' must be in [0, {}]", field, kMaxMachines));
  return static_cast<int>(n);
}

std::int64_t timestamp_seconds(const nlohmann::json& v) {
  if (v.is_number_integer()) {
    const auto t = v.get<std::int64_t>();
    if (t < 0 || t > 253402300799) throw bad_request("'timestamp' must be epoch seconds between 1970 and 9999");
    return t;
  }
  if (v.is_string()) {
    const auto ms = parse_iso_timestamp_ms(v.get<std::string>());
    if (!ms || *ms < 0) throw bad_request(fmt::format("'timestamp' '{}' is not an ISO-8601 time after 1970", v.get<std::string>()));
    return *ms / 1000;
  }
  throw bad_request("'timestamp' must be integer epoch seconds or an ISO-8601 string");
}

}  // namespace

std::int64_t MetricsReport::minute_key() const { return timestamp / 60; }

bool MetricsReport::same_minute_and_values(const MetricsReport& o) const {
  return minute_key() == o.minute_key() && load == o.load && failed == o.failed && active == o.active &&
         warming == o.warming && queue == o.queue;
}

nlohmann::json MetricsReport::to_json() const {
  nlohmann::json j = {{"timestamp", timestamp}, {"load", load}, {"failed", failed}, {"active", active}};
  if (queue) {
    j["warming"] = *queue;
  } else {
    j["warming"] = warming;
  }
  return j;
}

MetricsReport parse_metrics_report(const nlohmann::json& j, int warmup_latency) {
  expect_object_with(j, {"timestamp", "load", "failed", "active", "warming"}, "the metrics report");
  MetricsReport r;
  r.timestamp = timestamp_seconds(required(j, "timestamp"));
  r.load = transactions(required(j, "load"), "load");
  r.failed = transactions(required(j, "failed"), "failed");
  if (r.failed > r.load) throw bad_request(fmt::format("'failed' ({}) exceeds 'load' ({})", r.failed, r.load));
  r.active = machines(required(j, "active"), "active");
  const auto& w = required(j, "warming");
  if (w.is_array()) {
    if (static_cast<int>(w.size()) != warmup_latency) {
      throw bad_request(fmt::format("'warming' per slot must have {} values (the warm-up latency), got {}", warmup_latency, w.size()));
    }
    std::vector<int> q;
    std::int64_t total = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      q.push_back(machines(w[i], fmt::format("warming[{}]", i)));
      total += q.back();
    }
    if (total > kMaxMachines) throw bad_request(fmt::format("'warming' totals more than {}", kMaxMachines));
    r.warming = static_cast<int>(total);
    r.queue = std::move(q);
  } else {
    r.warming = machines(w, "warming");
  }
  return r;
}

nlohmann::json ServiceConfig::to_json() const {
  return {{"model", model}, {"dry_run", dry_run}, {"wall_clock", wall_clock}, {"max_gap_minutes", max_gap_minutes}};
}

ServiceConfig parse_service_config(const nlohmann::json& j, ServiceConfig c) {
  expect_object_with(j, {"model", "dry_run", "wall_clock", "max_gap_minutes"}, "the service config");
  if (j.contains("model")) {
    if (!j["model"].is_string() || j["model"].get<std::string>().empty()) throw bad_request("'model' must be a model name");
    c.model = j["model"].get<std::string>();
  }
  for (const char* flag : {"dry_run", "wall_clock"}) {
    if (!j.contains(flag)) continue;
    if (!j[flag].is_boolean()) throw bad_request(fmt::format("'{}' must be true or false", flag));
    (std::string(flag) == "dry_run" ? c.dry_run : c.wall_clock) = j[flag].get<bool>();
  }
  if (j.contains("max_gap_minutes")) {
    const auto& v = j["max_gap_minutes"];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 10080) {
      throw bad_request("'max_gap_minutes' must be an integer in [0, 10080]");
    }
    c.max_gap_minutes = v.get<int>();
  }
  return c;
}

}  // namespace autoscale::serve
