#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace autoscale::serve {

// What a monitoring system knows about a service at the end of a minute: the body of
// POST /v1/services/{id}/metrics. Every field is required; unknown fields are refused.
//   timestamp  UTC epoch seconds (integer) or ISO-8601 text; identifies the minute floor(t / 60)
//   load       offered transactions per minute (>= 0; rounded to a whole transaction)
//   failed     failed transactions in the minute (0 <= failed <= load; rounded likewise)
//   active     machines serving
//   warming    machines warming up: a count, or one count per warm-up slot (warmup_latency
//              values, next to arrive first) when the operator knows when each will be ready
struct MetricsReport {
  std::int64_t timestamp = 0;
  std::int64_t load = 0, failed = 0;
  int active = 0;
  int warming = 0;                    // total, also when `queue` is given
  std::optional<std::vector<int>> queue;

  std::int64_t minute_key() const;   // floor(timestamp / 60)
  // Same minute, same values: a retried report.
  bool same_minute_and_values(const MetricsReport& o) const;
  nlohmann::json to_json() const;
};

// Throws HttpError 400 naming the field. `warmup_latency` sizes a per-slot `warming`.
MetricsReport parse_metrics_report(const nlohmann::json& j, int warmup_latency);

// How the server treats one service (PUT /v1/services/{id}; defaults when a service starts with
// its first metrics).
struct ServiceConfig {
  std::string model = "default";  // a model name the server was started with
  bool dry_run = false;           // decisions are computed and logged but marked not to be acted on
  bool wall_clock = true;         // policies see the report's minute as the clock (time-of-day
                                  // features); false = no clock, as for models trained on a load
                                  // without one (the seed's)
  int max_gap_minutes = 60;       // missing minutes filled up to this; longer gaps restart the state
  nlohmann::json to_json() const;
};

// Strict: unknown fields and wrong types are HttpError 400. Fields absent keep `base`'s values.
ServiceConfig parse_service_config(const nlohmann::json& j, ServiceConfig base);

}  // namespace autoscale::serve
