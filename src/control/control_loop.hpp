#pragma once
// `autoscale control`: a control loop that reads a service's minute from Prometheus, updates the
// service's state exactly as the stateful API does (serve::ServiceMirror: its gap rules, its
// duplicate-minute rule), decides with the model as the server does, and hands the decision to an
// Actuator: only with --enforce; shadow mode logs, exports and records what it would do.
// docs/control.md documents the flags, the clock, the fail-safe rules and the metrics.
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "control/actuator.hpp"
#include "prometheus/query_range.hpp"
#include "serve/json_log.hpp"
#include "serve/service_mirror.hpp"

namespace autoscale::control {

// Why a tick held the fleet instead of deciding or acting.
enum class FailSafe {
  kPrometheusError,  // unreachable, timed out, a 5xx after the retries, a refused query, a malformed answer
  kEmptyResult,      // a query returned no series
  kNotANumber,       // NaN or an infinity
  kStaleSample,      // the freshness query's sample is older than --max-sample-age
  kInvalidResult,    // several series, a negative or fractional count, failed > load, ...
  kClockError,       // the minute source went back before the last decided minute
  kStateError,       // the minute could not be persisted (--state-dir): not applied
  kActuatorError,    // the actuator could not carry the decision out
};
inline constexpr std::array<FailSafe, 8> kFailSafeReasons{FailSafe::kPrometheusError, FailSafe::kEmptyResult,
                                                          FailSafe::kNotANumber,      FailSafe::kStaleSample,
                                                          FailSafe::kInvalidResult,   FailSafe::kClockError,
                                                          FailSafe::kStateError,      FailSafe::kActuatorError};
const char* reason_name(FailSafe r);  // "prometheus_error", "empty_result", ...

struct ControlOptions {
  prometheus::ClientOptions prometheus;  // url, headers (auth), tries, backoff, timeout
  std::string service;                   // the service's id (its state, logs, metrics labels)
  std::string load_query;     // offered requests in the minute (e.g. sum(increase(http_requests_total[1m])))
  std::string failed_query;   // failed requests in the minute; empty = none fail
  std::string fleet_query;    // machines serving (required: the fleet is never guessed)
  std::string warming_query;  // machines warming up; empty = none
  // The minute source. Empty: the wall clock (the last whole minute, `settle` after it ended,
  // every query evaluated at its end). Otherwise a query whose value is a time in the minute the
  // other queries describe (epoch seconds), all evaluated at now - settle: for a replay in
  // accelerated time, or a pipeline that publishes its minute.
  std::string clock_query;
  // Epoch seconds of the newest sample behind the data (e.g. timestamp(up{job="api"})); the
  // oldest of its series counts. Empty: staleness within Prometheus's lookback is not detected.
  std::string freshness_query;
  std::chrono::milliseconds max_sample_age{120'000};
  std::chrono::milliseconds settle{10'000};
  std::chrono::milliseconds every{60'000};
  std::string model;              // a model file or policy spec file, as `serve --model`
  std::string scenario = "seed";  // the service shape the model acts on
  bool enforce = false;
  bool wall_clock = true;         // the service config's wall_clock (time-of-day features)
  int max_gap_minutes = 60;       // the service config's gap rule
  // The service's state on disk, as `serve --state-dir` keeps it (serve::StateStore: the accepted
  // reports, fdatasync'ed before the decision is acted on): a restarted loop rebuilds the state and
  // knows the minutes it decided. Empty: memory only (a restart starts the state anew).
  std::string state_dir;
  std::string metrics_host = "127.0.0.1";
  int metrics_port = -1;          // -1: no listener; 0: any free port
  serve::LogLevel log_level = serve::LogLevel::kInfo;
  std::FILE* log_out = stderr;
};

struct TickResult {
  enum class Kind { kDecided, kAlreadyDecided, kFailSafe };
  Kind kind = Kind::kFailSafe;
  std::optional<FailSafe> reason;  // kFailSafe (also kDecided when the actuator failed)
  std::string error;
  std::int64_t minute_start = 0;   // the minute looked at, epoch seconds (0 if unknown)
  serve::MetricsReport report;     // kDecided
  serve::Decision decision;        // kDecided
  bool acted = false;              // apply() succeeded
};

// Throws Error for bad options (missing queries, a model that does not load, an actuator that
// refuses to enforce).
class ControlLoop {
 public:
  ControlLoop(ControlOptions options, std::unique_ptr<Actuator> actuator);
  ~ControlLoop();
  ControlLoop(const ControlLoop&) = delete;
  ControlLoop& operator=(const ControlLoop&) = delete;

  // One tick at `now_ms` (epoch milliseconds): the minute, the queries, the decision, the action.
  TickResult tick(std::int64_t now_ms);
  // Binds the metrics listener (GET /metrics) when metrics_port >= 0 and serves it on its own
  // thread; returns the port (-1 without one). Throws Error when it cannot bind.
  int start_metrics();
  // Ticks at the times t where (t - settle) is a multiple of `every` (so with --every 60s, `settle`
  // after each minute ends) until stop(); thread-safe stop.
  void run();
  void stop();
  std::string metrics_text() const;
  serve::JsonLog& log();
  const serve::ServiceMirror& mirror() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace autoscale::control
