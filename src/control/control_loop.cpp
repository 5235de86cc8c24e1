#include "control/control_loop.hpp"

// Eigen-using headers before any that pull in httplib's system headers.
#include "serve/model_registry.hpp"

#include <fmt/format.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <thread>

#include "core/error.hpp"
#include "prometheus/instant_query.hpp"
#include "scenario/scenario.hpp"
#include "serve/http_error.hpp"
#include "serve/http_server.hpp"
#include "serve/prometheus.hpp"
#include "serve/state_store.hpp"

namespace autoscale::control {
namespace {

// A tick that must hold the fleet, and why.
struct Hold {
  FailSafe reason;
  std::string message;
};

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

const char* reason_name(FailSafe r) {
  switch (r) {
    case FailSafe::kPrometheusError: return "prometheus_error";
    case FailSafe::kEmptyResult: return "empty_result";
    case FailSafe::kNotANumber: return "not_a_number";
    case FailSafe::kStaleSample: return "stale_sample";
    case FailSafe::kInvalidResult: return "invalid_result";
    case FailSafe::kClockError: return "clock_error";
    case FailSafe::kStateError: return "state_error";
    case FailSafe::kActuatorError: return "actuator_error";
  }
  return "unknown";
}

struct ControlLoop::Impl {
  ControlOptions o;
  std::unique_ptr<Actuator> actuator;
  Scenario scenario;
  std::filesystem::path snapshots;
  std::unique_ptr<serve::ModelRegistry> models;
  std::shared_ptr<const serve::LoadedModel> model;
  serve::JsonLog log;
  std::unique_ptr<serve::ServiceMirror> mirror;
  std::optional<serve::StateStore> store;

  // What the loop has done: read by the metrics thread under mu.
  mutable std::mutex mu;
  std::optional<std::int64_t> decided_minute;  // minute_start of the last decided minute
  std::optional<FailSafe> failsafe;            // the alarm raised, until a minute is decided and acted on cleanly
  std::map<FailSafe, std::uint64_t> failsafe_total;
  std::map<std::string, std::uint64_t> ticks_total;                       // by outcome
  std::map<std::pair<std::string, bool>, std::uint64_t> decisions_total;  // by direction, enforced
  std::uint64_t actuations_ok = 0, actuations_failed = 0, queries_ok = 0, queries_failed = 0;
  std::optional<serve::Decision> last;
  serve::MetricsReport last_report;

  std::unique_ptr<serve::HttpServer> http;
  std::thread http_thread;
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;

  Impl(ControlOptions opts, std::unique_ptr<Actuator> act)
      : o(std::move(opts)), actuator(std::move(act)), scenario(resolve_scenario(o.scenario)), log(o.log_level, o.log_out) {}

  ~Impl() {
    if (http) {
      http->stop();
      if (http_thread.joinable()) http_thread.join();
    }
    if (!snapshots.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(snapshots, ec);
    }
  }

  // The single value of `query` at `time_ms`, or a Hold saying why there is none.
  double value_of(const char* what, const std::string& query, std::int64_t time_ms) {
    prometheus::InstantResult r;
    try {
      r = prometheus::query_instant(o.prometheus, query, time_ms);
    } catch (const std::exception& e) {
      {
        std::lock_guard lock(mu);
        ++queries_failed;
      }
      throw Hold{FailSafe::kPrometheusError, fmt::format("{} query: {}", what, e.what())};
    }
    {
      std::lock_guard lock(mu);
      ++queries_ok;
    }
    if (r.samples.empty()) {
      throw Hold{FailSafe::kEmptyResult,
                 fmt::format("{} query '{}' returned no series (if none means zero, write '(...) or vector(0)')", what, query)};
    }
    if (r.samples.size() > 1) {
      throw Hold{FailSafe::kInvalidResult,
                 fmt::format("{} query '{}' returned {} series, e.g. {} and {}: aggregate it (sum(...)) to one", what, query,
                             r.samples.size(), prometheus::labels_text(r.samples[0].labels),
                             prometheus::labels_text(r.samples[1].labels))};
    }
    const double v = r.samples[0].value;
    if (!std::isfinite(v)) throw Hold{FailSafe::kNotANumber, fmt::format("{} query '{}' returned {}", what, query, v)};
    if (v < 0) throw Hold{FailSafe::kInvalidResult, fmt::format("{} query '{}' returned {}, a negative count", what, query, v)};
    return v;
  }

  int machines_of(const char* what, const std::string& query, std::int64_t time_ms) {
    const double v = value_of(what, query, time_ms);
    if (std::abs(v - std::round(v)) > 1e-6 || v > 1e7) {
      throw Hold{FailSafe::kInvalidResult, fmt::format("{} query '{}' returned {}, not a whole number of machines", what, query, v)};
    }
    return static_cast<int>(std::llround(v));
  }

  void check_fresh(std::int64_t time_ms) {
    if (o.freshness_query.empty()) return;
    prometheus::InstantResult r;
    try {
      r = prometheus::query_instant(o.prometheus, o.freshness_query, time_ms);
    } catch (const std::exception& e) {
      {
        std::lock_guard lock(mu);
        ++queries_failed;
      }
      throw Hold{FailSafe::kPrometheusError, fmt::format("freshness query: {}", e.what())};
    }
    {
      std::lock_guard lock(mu);
      ++queries_ok;
    }
    if (r.samples.empty()) throw Hold{FailSafe::kEmptyResult, fmt::format("freshness query '{}' returned no series", o.freshness_query)};
    double oldest = HUGE_VAL;
    for (const auto& s : r.samples) {
      if (!std::isfinite(s.value)) throw Hold{FailSafe::kNotANumber, fmt::format("freshness query '{}' returned {}", o.freshness_query, s.value)};
      oldest = std::min(oldest, s.value);
    }
    const double age_ms = static_cast<double>(time_ms) - oldest * 1000;
    if (age_ms > static_cast<double>(o.max_sample_age.count())) {
      throw Hold{FailSafe::kStaleSample,
                 fmt::format("the newest sample behind the data (freshness query '{}') is {:.1f} s old at the evaluation time, "
                             "more than --max-sample-age {:.1f} s",
                             o.freshness_query, age_ms / 1000, static_cast<double>(o.max_sample_age.count()) / 1000)};
    }
  }

  void raise(FailSafe reason, const std::string& message, std::int64_t minute_start) {
    {
      std::lock_guard lock(mu);
      failsafe = reason;
      ++failsafe_total[reason];
    }
    log.write(serve::LogLevel::kWarn, "fail-safe: holding the fleet",
              {{"service", o.service}, {"reason", reason_name(reason)}, {"error", message},
               {"minute_timestamp", minute_start}, {"enforce", o.enforce}});
  }

  void count_tick(const char* outcome) {
    std::lock_guard lock(mu);
    ++ticks_total[outcome];
  }

  TickResult tick(std::int64_t now_ms) {
    TickResult t;
    try {
      // 1. The minute, and the time every query is evaluated at (one instant for all, so they all
      //    see the same scrapes).
      std::int64_t eval_ms = 0;
      if (o.clock_query.empty()) {
        const std::int64_t settled = now_ms - o.settle.count();
        t.minute_start = floor_div(settled, 60'000) * 60 - 60;  // the last whole minute
        eval_ms = (t.minute_start + 60) * 1000;
      } else {
        eval_ms = now_ms - o.settle.count();
        const double clock = value_of("clock", o.clock_query, eval_ms);
        if (clock > 253402300799.0) {  // past 9999-12-31, as the API's timestamps
          throw Hold{FailSafe::kInvalidResult, fmt::format("clock query '{}' returned {}, not epoch seconds", o.clock_query, clock)};
        }
        t.minute_start = floor_div(static_cast<std::int64_t>(std::floor(clock)), 60) * 60;
      }
      {
        std::lock_guard lock(mu);
        if (decided_minute && t.minute_start == *decided_minute) {
          ++ticks_total["already_decided"];
          t.kind = TickResult::Kind::kAlreadyDecided;
          return t;  // idempotent: this minute was decided (and acted on, or held) already
        }
        if (decided_minute && t.minute_start < *decided_minute) {
          throw Hold{FailSafe::kClockError, fmt::format("the minute source says {} but minute {} was decided already",
                                                        t.minute_start, *decided_minute)};
        }
      }
      // 2. The minute's report.
      check_fresh(eval_ms);
      const double load = value_of("load", o.load_query, eval_ms);
      const double failed = o.failed_query.empty() ? 0.0 : value_of("failed", o.failed_query, eval_ms);
      const int active = machines_of("fleet", o.fleet_query, eval_ms);
      const int warming = o.warming_query.empty() ? 0 : machines_of("warming", o.warming_query, eval_ms);
      const nlohmann::json body = {{"timestamp", t.minute_start}, {"load", load}, {"failed", failed},
                                   {"active", active},           {"warming", warming}};
      // 3. The state, exactly as POST /v1/services/{id}/metrics updates it.
      try {
        t.report = serve::parse_metrics_report(body, scenario.service.warmup_latency);
        t.decision = mirror->ingest(t.report);
      } catch (const serve::HttpError& e) {
        throw Hold{e.status() == 409 ? FailSafe::kClockError : FailSafe::kInvalidResult,
                   fmt::format("the minute's report {} is refused: {}", body.dump(), e.what())};
      }
      if (store && !t.decision.duplicate) {
        try {
          if (t.decision.restarted) {
            store->rewrite(o.service, mirror->history());
          } else {
            store->append(o.service, t.report);
          }
        } catch (const std::exception& e) {
          mirror->drop_last();  // not persisted: not applied, as the server does
          throw Hold{FailSafe::kStateError, fmt::format("cannot persist the minute: {}", e.what())};
        }
      }
    } catch (const std::exception& e) {
      // Not expected (the report passed the API's own checks): still a hold, never a crash of the loop.
      t.kind = TickResult::Kind::kFailSafe;
      t.reason = FailSafe::kInvalidResult;
      t.error = std::string("internal error: ") + e.what();
      raise(*t.reason, t.error, t.minute_start);
      count_tick("failsafe");
      return t;
    } catch (const Hold& h) {
      raise(h.reason, h.message, t.minute_start);
      count_tick("failsafe");
      t.kind = TickResult::Kind::kFailSafe;
      t.reason = h.reason;
      t.error = h.message;
      return t;
    }

    // 4. The decision, acted on (enforce) or recorded (shadow). Either way the minute is decided:
    //    a failed actuation is not retried in the same minute (the fleet holds until the next one).
    t.kind = TickResult::Kind::kDecided;
    const serve::Decision& d = t.decision;
    Actuation a{o.service, d.minute, d.timestamp, d.desired, d.action.add, d.action.remove, o.enforce};
    const char* direction = d.action.add > 0 ? "add" : d.action.remove > 0 ? "remove" : "hold";
    {
      std::lock_guard lock(mu);
      decided_minute = t.minute_start;
      last = d;
      last_report = t.report;
      ++decisions_total[{direction, o.enforce}];
      ++ticks_total["decided"];
    }
    std::string actuation_error;
    try {
      if (o.enforce) {
        actuator->apply(a);
        t.acted = true;
      } else {
        actuator->shadow(a);
      }
    } catch (const std::exception& e) {
      actuation_error = e.what();
    }
    {
      std::lock_guard lock(mu);
      if (o.enforce) ++(actuation_error.empty() ? actuations_ok : actuations_failed);
      if (actuation_error.empty()) failsafe.reset();
    }
    log.write(serve::LogLevel::kInfo, o.enforce ? "decision" : "decision (shadow: not acted on)",
              {{"service", o.service}, {"minute", d.minute}, {"timestamp", d.timestamp}, {"load", t.report.load},
               {"failed", t.report.failed}, {"active", t.report.active}, {"warming", t.report.warming},
               {"add", d.action.add}, {"remove", d.action.remove}, {"desired", d.desired}, {"enforced", o.enforce},
               {"acted", t.acted}, {"filled_minutes", d.filled}, {"restarted", d.restarted},
               {"actuator", actuator->describe()}});
    if (!actuation_error.empty()) {
      t.reason = FailSafe::kActuatorError;
      t.error = actuation_error;
      raise(FailSafe::kActuatorError, fmt::format("{}: {}", actuator->describe(), actuation_error), t.minute_start);
    }
    return t;
  }

  std::string metrics_text() const {
    std::lock_guard lock(mu);
    const std::string svc = "service=\"" + serve::prometheus_label(o.service) + "\"";
    std::string m;
    auto head = [&](const char* name, const char* type, const char* help) {
      m += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    };
    head("autoscale_control_enforced", "gauge", "1 when decisions are acted on (--enforce), 0 in shadow mode.");
    m += fmt::format("autoscale_control_enforced{{{}}} {}\n", svc, o.enforce ? 1 : 0);
    head("autoscale_control_desired", "gauge", "The fleet the last decision steers to (absent before the first decision).");
    if (last) m += fmt::format("autoscale_control_desired{{{}}} {}\n", svc, last->desired);
    head("autoscale_control_last_decision_timestamp_seconds", "gauge", "Start of the last decided minute (UTC epoch seconds).");
    if (last) m += fmt::format("autoscale_control_last_decision_timestamp_seconds{{{}}} {}\n", svc, last->timestamp);
    head("autoscale_control_last_decision_minute", "gauge", "The last decision's minute since the service's state (re)started.");
    if (last) m += fmt::format("autoscale_control_last_decision_minute{{{}}} {}\n", svc, last->minute);
    head("autoscale_control_input", "gauge", "The last decided minute's report: load, failed, active, warming.");
    if (last) {
      m += fmt::format("autoscale_control_input{{{},input=\"load\"}} {}\n", svc, last_report.load);
      m += fmt::format("autoscale_control_input{{{},input=\"failed\"}} {}\n", svc, last_report.failed);
      m += fmt::format("autoscale_control_input{{{},input=\"active\"}} {}\n", svc, last_report.active);
      m += fmt::format("autoscale_control_input{{{},input=\"warming\"}} {}\n", svc, last_report.warming);
    }
    head("autoscale_control_failsafe", "gauge",
         "1 for the reason the loop is holding the fleet (an alert: no decision or no action), 0 for the others.");
    for (FailSafe r : kFailSafeReasons) {
      m += fmt::format("autoscale_control_failsafe{{{},reason=\"{}\"}} {}\n", svc, reason_name(r), failsafe == r ? 1 : 0);
    }
    head("autoscale_control_failsafe_total", "counter", "Ticks that held the fleet, by reason.");
    for (FailSafe r : kFailSafeReasons) {
      const auto it = failsafe_total.find(r);
      m += fmt::format("autoscale_control_failsafe_total{{{},reason=\"{}\"}} {}\n", svc, reason_name(r),
                       it == failsafe_total.end() ? 0 : it->second);
    }
    head("autoscale_control_ticks_total", "counter", "Ticks by outcome: decided, already_decided (the minute was), failsafe.");
    for (const char* k : {"decided", "already_decided", "failsafe"}) {
      const auto it = ticks_total.find(k);
      m += fmt::format("autoscale_control_ticks_total{{{},outcome=\"{}\"}} {}\n", svc, k, it == ticks_total.end() ? 0 : it->second);
    }
    head("autoscale_control_decisions_total", "counter", "Decided minutes by direction (add, remove, hold) and whether enforced.");
    for (const auto& [k, n] : decisions_total) {
      m += fmt::format("autoscale_control_decisions_total{{{},direction=\"{}\",enforced=\"{}\"}} {}\n", svc, k.first,
                       k.second ? "true" : "false", n);
    }
    head("autoscale_control_actuations_total", "counter", "Actuator calls in enforce mode, by result.");
    m += fmt::format("autoscale_control_actuations_total{{{},result=\"ok\"}} {}\n", svc, actuations_ok);
    m += fmt::format("autoscale_control_actuations_total{{{},result=\"error\"}} {}\n", svc, actuations_failed);
    head("autoscale_control_prometheus_queries_total", "counter",
         "Instant queries sent to Prometheus, by result (error: no answer after the retries, or a refused query).");
    m += fmt::format("autoscale_control_prometheus_queries_total{{{},result=\"ok\"}} {}\n", svc, queries_ok);
    m += fmt::format("autoscale_control_prometheus_queries_total{{{},result=\"error\"}} {}\n", svc, queries_failed);
    return m;
  }
};

ControlLoop::ControlLoop(ControlOptions options, std::unique_ptr<Actuator> actuator)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(actuator))) {
  Impl& i = *impl_;
  if (!i.actuator) throw Error("control needs an actuator (--actuate)");
  if (i.o.service.empty()) throw Error("control needs --service");
  if (!serve::valid_service_id(i.o.service)) throw Error(fmt::format("--service '{}' must be 1-64 of [A-Za-z0-9._-]", i.o.service));
  if (i.o.load_query.empty()) throw Error("control needs --load-query");
  if (i.o.fleet_query.empty()) throw Error("control needs --fleet-query: the fleet is read, never guessed");
  if (i.o.model.empty()) throw Error("control needs --model");
  if (i.o.every.count() <= 0) throw Error("--every must be positive");
  if (i.o.settle.count() < 0) throw Error("--settle must not be negative");
  std::string tmpl = (std::filesystem::temp_directory_path() / "autoscale-control-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw Error("cannot create a temporary directory for the model snapshot");
  i.snapshots = tmpl;
  i.models = std::make_unique<serve::ModelRegistry>(std::map<std::string, std::string>{{"default", i.o.model}}, i.snapshots,
                                                    i.scenario);
  i.model = i.models->get("default");
  serve::ServiceConfig config;
  config.model = "default";
  config.dry_run = !i.o.enforce;
  config.wall_clock = i.o.wall_clock;
  config.max_gap_minutes = i.o.max_gap_minutes;
  auto model = i.model;
  const Scenario* scenario = &i.scenario;
  i.mirror = std::make_unique<serve::ServiceMirror>(i.scenario.make_env(), config,
                                                    [model, scenario] { return model->make_policy(*scenario); });
  if (!i.o.state_dir.empty()) {
    i.store.emplace(i.o.state_dir, true);
    for (auto& saved : i.store->load_all(i.scenario.service.warmup_latency)) {
      if (saved.id != i.o.service) continue;
      if (!saved.reports.empty() &&
          (saved.config.wall_clock != config.wall_clock || saved.config.max_gap_minutes != config.max_gap_minutes)) {
        throw Error(fmt::format("--state-dir {}: service '{}' was kept with wall_clock {} and max_gap_minutes {}, not {} and {}; "
                                "they change how its past minutes are read: remove {}/services/{} to start anew",
                                i.o.state_dir, i.o.service, saved.config.wall_clock, saved.config.max_gap_minutes,
                                config.wall_clock, config.max_gap_minutes, i.o.state_dir, i.o.service));
      }
      i.mirror->replay(saved.reports);  // with this model, as a restarted server rebuilds a service
      if (!saved.reports.empty()) {
        i.decided_minute = saved.reports.back().minute_key() * 60;
        i.last = i.mirror->last_decision();
        i.last_report = saved.reports.back();
      }
    }
    i.store->save_config(i.o.service, config);
    if (i.decided_minute) {
      i.log.write(serve::LogLevel::kInfo, "state restored",
                  {{"service", i.o.service}, {"state_dir", i.o.state_dir}, {"reports", i.mirror->history().size()},
                   {"last_minute_timestamp", *i.decided_minute}});
    }
  }
  if (i.o.enforce) i.actuator->check_enforce();
  i.log.write(serve::LogLevel::kInfo, "control started",
              {{"service", i.o.service}, {"prometheus", i.o.prometheus.url}, {"model", i.o.model}, {"checksum", i.model->checksum},
               {"scenario", i.scenario.name}, {"actuator", i.actuator->describe()}, {"enforce", i.o.enforce},
               {"every_ms", i.o.every.count()}, {"settle_ms", i.o.settle.count()},
               {"clock", i.o.clock_query.empty() ? "wall" : i.o.clock_query}});
  if (i.o.freshness_query.empty()) {
    i.log.write(serve::LogLevel::kWarn,
                "no --freshness-query: a stale sample still inside Prometheus's lookback (5 minutes by default) is not detected",
                {{"service", i.o.service}});
  }
}

ControlLoop::~ControlLoop() = default;

TickResult ControlLoop::tick(std::int64_t now_ms) { return impl_->tick(now_ms); }

std::string ControlLoop::metrics_text() const { return impl_->metrics_text(); }

serve::JsonLog& ControlLoop::log() { return impl_->log; }

const serve::ServiceMirror& ControlLoop::mirror() const { return *impl_->mirror; }

int ControlLoop::start_metrics() {
  Impl& i = *impl_;
  if (i.o.metrics_port < 0) return -1;
  serve::ConnectionLimits limits;
  limits.threads = 1;
  limits.max_connections = 64;
  i.http = std::make_unique<serve::HttpServer>(limits, 1024, [this](serve::HttpRequest& req) {
    if (req.path == "/metrics" && req.method == "GET") {
      return serve::HttpResponse{200, impl_->metrics_text(), "text/plain; version=0.0.4", {}};
    }
    if (req.path == "/healthz" && req.method == "GET") return serve::HttpResponse{200, "ok\n", "text/plain", {}};
    return serve::HttpResponse{404, "{\"error\":\"not found: GET /metrics or /healthz\"}\n", "application/json", {}};
  });
  const int port = i.http->bind(i.o.metrics_host, i.o.metrics_port);
  i.http_thread = std::thread([&i] { i.http->run(); });
  i.log.write(serve::LogLevel::kInfo, "metrics listening", {{"host", i.o.metrics_host}, {"port", port}});
  return port;
}

void ControlLoop::run() {
  Impl& i = *impl_;
  using namespace std::chrono;
  const std::int64_t every = i.o.every.count(), settle = i.o.settle.count();
  for (;;) {
    const std::int64_t now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    i.tick(now);
    // The next time t > now with (t - settle) a multiple of `every`.
    const std::int64_t next = (floor_div(now - settle, every) + 1) * every + settle;
    std::unique_lock lock(i.stop_mu);
    const auto wake = system_clock::time_point(milliseconds(next));
    if (i.stop_cv.wait_until(lock, wake, [&] { return i.stopping; })) break;
  }
  i.log.write(serve::LogLevel::kInfo, "control stopped", {{"service", i.o.service}});
}

void ControlLoop::stop() {
  std::lock_guard lock(impl_->stop_mu);
  impl_->stopping = true;
  impl_->stop_cv.notify_all();
}

}  // namespace autoscale::control
