// The control loop (src/control/) against a loopback stand-in for Prometheus: it decides exactly as
// the stateful API does, once per minute, only acts with --enforce, and holds the fleet (no
// actuation, an alarm metric, a log line saying why) on every kind of bad input or failed action.
#include "serve_test_util.hpp"  // first: Eigen before httplib

#include <gmock/gmock.h>

#include <fstream>

#include "control/control_loop.hpp"
#include "control_test_util.hpp"
#include "loopback_port.hpp"

namespace autoscale::control {
namespace {

using ::testing::HasSubstr;
using control_testing::FakePrometheus;
using control_testing::vector_body;

constexpr std::int64_t kBase = 1'704'067'200;  // 2024-01-01T00:00:00Z, minute 0

// Records what it is given; throws while `fail` is set.
struct RecordingActuator final : Actuator {
  std::vector<Actuation>* applied;
  std::vector<Actuation>* shadowed;
  bool* fail;
  RecordingActuator(std::vector<Actuation>* a, std::vector<Actuation>* s, bool* f) : applied(a), shadowed(s), fail(f) {}
  std::string describe() const override { return "recording"; }
  void apply(const Actuation& a) override {
    if (*fail) throw ActuationError("the fleet's API said no");
    applied->push_back(a);
  }
  void shadow(const Actuation& a) override { shadowed->push_back(a); }
};

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct ControlFixture : ::testing::Test {
  FakePrometheus prom;
  std::vector<Actuation> applied, shadowed;
  bool fail = false;
  std::filesystem::path dir = serve_testing::temp_dir("control");
  std::FILE* log = std::tmpfile();

  ~ControlFixture() override {
    std::fclose(log);
    std::filesystem::remove_all(dir);
  }

  ControlOptions options(bool enforce = true) {
    ControlOptions o;
    o.prometheus.url = prom.url();
    o.prometheus.tries = 2;
    o.prometheus.first_backoff = std::chrono::milliseconds(5);
    o.prometheus.timeout = std::chrono::seconds(2);
    o.service = "api";
    o.load_query = "load";
    o.failed_query = "failed";
    o.fleet_query = "fleet";
    o.warming_query = "warming";
    o.clock_query = "clock";
    o.settle = std::chrono::milliseconds(0);
    o.model = serve_testing::trained_model("seed");
    o.wall_clock = false;
    o.enforce = enforce;
    o.log_out = log;
    return o;
  }
  std::unique_ptr<ControlLoop> make(ControlOptions o) {
    return std::make_unique<ControlLoop>(o, std::make_unique<RecordingActuator>(&applied, &shadowed, &fail));
  }
  // Prometheus's view of minute m.
  void minute(std::int64_t m, double load, double failed, double fleet, double warming) {
    prom.value("clock", static_cast<double>(kBase + 60 * m + 30));
    prom.value("load", load);
    prom.value("failed", failed);
    prom.value("fleet", fleet);
    prom.value("warming", warming);
  }
  std::string log_text(ControlLoop& loop, std::FILE* from = nullptr) {
    if (!from) from = log;
    loop.log().flush();
    std::fflush(from);
    std::rewind(from);
    std::string s;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, from)) s.append(buf, n);
    return s;
  }
};

struct Minute {
  double load, failed, fleet, warming;
};
// A service whose load rises and falls, with failures when the fleet lags.
std::vector<Minute> script() {
  std::vector<Minute> v;
  for (int m = 0; m < 14; ++m) {
    const double load = 9000 + 2500 * std::sin(m / 2.0);
    const double failed = m % 5 == 3 ? 400 : 0;
    v.push_back({load, failed, static_cast<double>(30 + m % 4), static_cast<double>(m % 3)});
  }
  return v;
}

TEST_F(ControlFixture, DecidesExactlyAsTheStatefulApiDoesGapsIncluded) {
  auto loop = make(options());
  serve_testing::LiveServer live(serve_testing::options_for(serve_testing::trained_model("seed")));
  auto client = live.client();
  ASSERT_EQ(client.Put("/v1/services/api", R"({"wall_clock":false})", "application/json")->status, 200);

  const auto minutes = script();
  int compared = 0, varied = 0;
  int last_desired = -1;
  for (std::size_t m = 0; m < minutes.size(); ++m) {
    const Minute& x = minutes[m];
    minute(static_cast<std::int64_t>(m), x.load, x.failed, x.fleet, x.warming);
    if (m == 5 || m == 6) {
      prom.set("load", 503, R"({"status":"error","errorType":"unavailable","error":"overloaded"})");
      const TickResult t = loop->tick(0);
      EXPECT_EQ(t.kind, TickResult::Kind::kFailSafe);
      EXPECT_EQ(t.reason, FailSafe::kPrometheusError);
      continue;  // minutes 5 and 6 never reach the state: the gap rule fills them, as the server's does
    }
    const TickResult t = loop->tick(0);
    ASSERT_EQ(t.kind, TickResult::Kind::kDecided) << t.error;
    EXPECT_TRUE(t.acted);
    const nlohmann::json report = {{"timestamp", kBase + 60 * static_cast<std::int64_t>(m)}, {"load", x.load},
                                   {"failed", x.failed}, {"active", static_cast<int>(x.fleet)}, {"warming", static_cast<int>(x.warming)}};
    const auto r = client.Post("/v1/services/api/metrics", report.dump(), "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    const auto server = serve_testing::body_json(r);
    EXPECT_EQ(t.decision.minute, server["minute"].get<std::int64_t>()) << "minute " << m;
    EXPECT_EQ(t.decision.action.add, server["add"].get<int>()) << "minute " << m;
    EXPECT_EQ(t.decision.action.remove, server["remove"].get<int>()) << "minute " << m;
    EXPECT_EQ(t.decision.desired, server["desired"].get<int>()) << "minute " << m;
    EXPECT_EQ(t.decision.filled, server["filled_minutes"].get<int>()) << "minute " << m;
    ASSERT_FALSE(applied.empty());
    EXPECT_EQ(applied.back().desired, server["desired"].get<int>());
    EXPECT_EQ(applied.back().timestamp, kBase + 60 * static_cast<std::int64_t>(m));
    ++compared;
    varied += last_desired >= 0 && t.decision.desired != last_desired;
    last_desired = t.decision.desired;
  }
  EXPECT_EQ(compared, 12);
  EXPECT_EQ(applied.size(), 12u);  // one actuation per decided minute, none in the outage
  EXPECT_EQ(applied[5].minute, 7);  // the minute after the gap: two filled minutes
  EXPECT_GT(varied, 0) << "the decisions never changed: the comparison would prove little";
  EXPECT_TRUE(shadowed.empty());
}

TEST_F(ControlFixture, ASecondTickInTheSameMinuteDoesNotActTwice) {
  auto loop = make(options());
  minute(0, 9000, 0, 30, 0);
  ASSERT_EQ(loop->tick(0).kind, TickResult::Kind::kDecided);
  prom.value("load", 9500);  // a late scrape changed the minute's value: still the same minute
  for (int i = 0; i < 3; ++i) EXPECT_EQ(loop->tick(0).kind, TickResult::Kind::kAlreadyDecided);
  EXPECT_EQ(applied.size(), 1u);
  EXPECT_EQ(prom.requests("load"), 1);  // the minute is known from the clock: nothing else asked
  minute(1, 9000, 0, 30, 0);
  EXPECT_EQ(loop->tick(0).kind, TickResult::Kind::kDecided);
  EXPECT_EQ(applied.size(), 2u);
  EXPECT_THAT(loop->metrics_text(), HasSubstr("autoscale_control_ticks_total{service=\"api\",outcome=\"already_decided\"} 3"));
}

TEST_F(ControlFixture, ShadowModeRecordsButNeverApplies) {
  auto loop = make(options(false));
  minute(0, 9000, 0, 30, 0);
  const TickResult t = loop->tick(0);
  ASSERT_EQ(t.kind, TickResult::Kind::kDecided);
  EXPECT_FALSE(t.acted);
  EXPECT_TRUE(applied.empty());
  ASSERT_EQ(shadowed.size(), 1u);
  EXPECT_FALSE(shadowed[0].enforced);
  EXPECT_EQ(shadowed[0].desired, t.decision.desired);
  const std::string m = loop->metrics_text();
  EXPECT_THAT(m, HasSubstr("autoscale_control_enforced{service=\"api\"} 0"));
  EXPECT_THAT(m, HasSubstr(fmt::format("autoscale_control_desired{{service=\"api\"}} {}", t.decision.desired)));
  EXPECT_THAT(log_text(*loop), HasSubstr("decision (shadow: not acted on)"));
}

TEST_F(ControlFixture, TheWallClockDecidesTheLastWholeMinuteAtItsEnd) {
  ControlOptions o = options();
  o.clock_query.clear();
  o.settle = std::chrono::milliseconds(10'000);
  auto loop = make(o);
  minute(0, 9000, 0, 30, 0);
  // 00:05:15 with 10 s to settle: the minute 00:04 (it ended at 00:05:00, 15 s ago), every query at 00:05:00.
  const TickResult t = loop->tick((kBase + 5 * 60 + 15) * 1000);
  ASSERT_EQ(t.kind, TickResult::Kind::kDecided) << t.error;
  EXPECT_EQ(t.decision.timestamp, kBase + 4 * 60);
  for (const auto& time : prom.times()) EXPECT_EQ(time, std::to_string(kBase + 5 * 60));
  // 00:05:08: the minute 00:04 has not settled: 00:03 is the last whole one, but it is before
  // the decided minute, and a minute source going back holds the fleet.
  const TickResult early = loop->tick((kBase + 5 * 60 + 8) * 1000);
  EXPECT_EQ(early.kind, TickResult::Kind::kFailSafe);
  EXPECT_EQ(early.reason, FailSafe::kClockError);
  EXPECT_EQ(loop->tick((kBase + 5 * 60 + 59) * 1000).kind, TickResult::Kind::kAlreadyDecided);
  EXPECT_EQ(loop->tick((kBase + 6 * 60 + 10) * 1000).kind, TickResult::Kind::kDecided);
  EXPECT_EQ(applied.size(), 2u);
}

TEST_F(ControlFixture, WithAStateDirARestartedLoopContinuesTheStateAndNeverDecidesAMinuteTwice) {
  ControlOptions o = options();
  o.state_dir = (dir / "state").string();
  const auto minutes = script();
  // Uninterrupted, in memory.
  std::vector<serve::Decision> straight;
  {
    ControlOptions mem = options();
    auto loop = make(mem);
    for (std::size_t m = 0; m < minutes.size(); ++m) {
      minute(static_cast<std::int64_t>(m), minutes[m].load, minutes[m].failed, minutes[m].fleet, minutes[m].warming);
      straight.push_back(loop->tick(0).decision);
    }
  }
  applied.clear();
  // Restarted after every fourth minute, once within a minute already decided.
  std::unique_ptr<ControlLoop> loop;
  for (std::size_t m = 0; m < minutes.size(); ++m) {
    if (m % 4 == 0) {
      loop.reset();
      loop = make(o);
    }
    minute(static_cast<std::int64_t>(m), minutes[m].load, minutes[m].failed, minutes[m].fleet, minutes[m].warming);
    const TickResult t = loop->tick(0);
    ASSERT_EQ(t.kind, TickResult::Kind::kDecided) << t.error;
    EXPECT_EQ(t.decision.minute, straight[m].minute);
    EXPECT_EQ(t.decision.desired, straight[m].desired) << "minute " << m;
    EXPECT_EQ(t.decision.action.add, straight[m].action.add) << "minute " << m;
    EXPECT_EQ(t.decision.action.remove, straight[m].action.remove) << "minute " << m;
  }
  loop.reset();
  loop = make(o);  // restarted in the last decided minute: nothing to do
  EXPECT_EQ(loop->tick(0).kind, TickResult::Kind::kAlreadyDecided);
  EXPECT_EQ(applied.size(), minutes.size());
  EXPECT_THAT(loop->metrics_text(), HasSubstr(fmt::format("autoscale_control_desired{{service=\"api\"}} {}", straight.back().desired)));
  // The state cannot be written: the minute is not applied and the fleet holds.
  std::filesystem::remove_all(dir / "state" / "services" / "api");
  std::ofstream(dir / "state" / "services" / "api") << "not a directory\n";
  minute(static_cast<std::int64_t>(minutes.size()), 9000, 0, 30, 0);
  const TickResult t = loop->tick(0);
  EXPECT_EQ(t.kind, TickResult::Kind::kFailSafe);
  EXPECT_EQ(t.reason, FailSafe::kStateError);
  EXPECT_EQ(applied.size(), minutes.size());
  EXPECT_EQ(loop->mirror().history().size(), minutes.size());  // dropped again, as the server drops it
  // Other service settings than the kept state's are refused at start.
  std::filesystem::remove(dir / "state" / "services" / "api");
  {
    auto first = make(o);
    minute(0, 9000, 0, 30, 0);
    ASSERT_EQ(first->tick(0).kind, TickResult::Kind::kDecided);
  }
  o.max_gap_minutes = 5;
  EXPECT_THROW(make(o), Error);
}

// ---- Fail safe: each case holds the fleet (no actuation), raises the alarm and logs why ----------

struct FailCase {
  const char* name;
  FailSafe reason;
  std::function<void(FakePrometheus&)> break_it;
  const char* says;  // in the log line and the tick's error
};

TEST_F(ControlFixture, EveryBadInputHoldsTheFleetRaisesTheAlarmAndLogsWhy) {
  ControlOptions o = options();
  o.freshness_query = "fresh";
  o.max_sample_age = std::chrono::milliseconds(90'000);
  const int closed_port = autoscale::testing::unused_loopback_port();
  const std::vector<FailCase> cases = {
      {"prometheus down", FailSafe::kPrometheusError, nullptr, "connection error"},
      {"prometheus 500", FailSafe::kPrometheusError,
       [](FakePrometheus& p) { p.set("fleet", 500, R"({"status":"error","errorType":"internal","error":"boom"})"); }, "HTTP 500"},
      {"query refused", FailSafe::kPrometheusError,
       [](FakePrometheus& p) { p.set("failed", 400, R"({"status":"error","errorType":"bad_data","error":"parse error"})"); },
       "bad_data: parse error"},
      {"not json", FailSafe::kPrometheusError, [](FakePrometheus& p) { p.set("load", 200, "<html>proxy</html>"); },
       "not a Prometheus success response"},
      {"empty load", FailSafe::kEmptyResult, [](FakePrometheus& p) { p.values("load", {}); }, "returned no series"},
      {"empty fleet", FailSafe::kEmptyResult, [](FakePrometheus& p) { p.values("fleet", {}); }, "fleet query 'fleet' returned no series"},
      {"NaN load", FailSafe::kNotANumber, [](FakePrometheus& p) { p.value("load", std::nan("")); }, "returned nan"},
      {"Inf fleet", FailSafe::kNotANumber, [](FakePrometheus& p) { p.value("fleet", HUGE_VAL); }, "returned inf"},
      {"NaN clock", FailSafe::kNotANumber, [](FakePrometheus& p) { p.value("clock", std::nan("")); }, "clock query"},
      {"stale sample", FailSafe::kStaleSample,
       [](FakePrometheus& p) { p.value("fresh", static_cast<double>(kBase + 60 - 200)); }, "more than --max-sample-age"},
      {"two series", FailSafe::kInvalidResult, [](FakePrometheus& p) { p.values("load", {100, 200}); }, "returned 2 series"},
      {"negative load", FailSafe::kInvalidResult, [](FakePrometheus& p) { p.value("load", -5); }, "a negative count"},
      {"fractional fleet", FailSafe::kInvalidResult, [](FakePrometheus& p) { p.value("fleet", 30.5); }, "not a whole number"},
      {"failed above load", FailSafe::kInvalidResult, [](FakePrometheus& p) { p.value("failed", 9999); }, "is refused"},
      {"clock back", FailSafe::kClockError, [](FakePrometheus& p) { p.value("clock", static_cast<double>(kBase - 60)); },
       "was decided already"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    applied.clear();
    ControlOptions oc = o;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> case_log(std::tmpfile(), &std::fclose);
    oc.log_out = case_log.get();
    if (!c.break_it) oc.prometheus.url = "http://127.0.0.1:" + std::to_string(closed_port);
    auto loop = make(oc);
    // Minute 0 decided cleanly, with a fresh sample.
    oc.prometheus.url = prom.url();
    minute(0, 9000, 0, 30, 0);
    prom.value("fresh", static_cast<double>(kBase + 30));
    if (c.break_it) {
      ASSERT_EQ(loop->tick((kBase + 60) * 1000).kind, TickResult::Kind::kDecided);
      ASSERT_EQ(applied.size(), 1u);
    }
    // Minute 1, broken.
    minute(1, 9000, 0, 30, 0);
    prom.value("fresh", static_cast<double>(kBase + 90));
    if (c.break_it) c.break_it(prom);
    const TickResult t = loop->tick((kBase + 120) * 1000);
    EXPECT_EQ(t.kind, TickResult::Kind::kFailSafe);
    EXPECT_EQ(t.reason, c.reason) << t.error;
    EXPECT_THAT(t.error, HasSubstr(c.says));
    EXPECT_EQ(applied.size(), c.break_it ? 1u : 0u) << "a fail-safe tick acted";
    const std::string m = loop->metrics_text();
    EXPECT_THAT(m, HasSubstr(fmt::format("autoscale_control_failsafe{{service=\"api\",reason=\"{}\"}} 1", reason_name(c.reason))));
    EXPECT_THAT(m, HasSubstr(fmt::format("autoscale_control_failsafe_total{{service=\"api\",reason=\"{}\"}} 1", reason_name(c.reason))));
    // One structured warning saying why.
    std::istringstream lines(log_text(*loop, case_log.get()));
    int warnings = 0;
    for (std::string line; std::getline(lines, line);) {
      const auto j = nlohmann::json::parse(line);
      if (j.value("msg", "") != "fail-safe: holding the fleet") continue;
      ++warnings;
      EXPECT_EQ(j.value("level", ""), "warn");
      EXPECT_EQ(j.value("reason", ""), reason_name(c.reason));
      EXPECT_THAT(j.value("error", ""), HasSubstr(c.says));
      EXPECT_EQ(j.value("service", ""), "api");
    }
    EXPECT_EQ(warnings, 1);
    if (!c.break_it) continue;
    // Fixed: the next tick decides (the same minute: it was never decided) and the alarm clears.
    minute(1, 9000, 0, 30, 0);
    prom.value("fresh", static_cast<double>(kBase + 90));
    const TickResult again = loop->tick((kBase + 120) * 1000);
    EXPECT_EQ(again.kind, TickResult::Kind::kDecided) << again.error;
    EXPECT_EQ(applied.size(), 2u);
    EXPECT_THAT(loop->metrics_text(),
                HasSubstr(fmt::format("autoscale_control_failsafe{{service=\"api\",reason=\"{}\"}} 0", reason_name(c.reason))));
  }
}

TEST_F(ControlFixture, AFailedActuationRaisesTheAlarmAndIsNotRetriedInTheSameMinute) {
  auto loop = make(options());
  minute(0, 9000, 0, 30, 0);
  fail = true;
  const TickResult t = loop->tick(0);
  EXPECT_EQ(t.kind, TickResult::Kind::kDecided);
  EXPECT_FALSE(t.acted);
  EXPECT_EQ(t.reason, FailSafe::kActuatorError);
  EXPECT_THAT(t.error, HasSubstr("the fleet's API said no"));
  EXPECT_EQ(loop->tick(0).kind, TickResult::Kind::kAlreadyDecided);  // held, not retried
  std::string m = loop->metrics_text();
  EXPECT_THAT(m, HasSubstr("autoscale_control_failsafe{service=\"api\",reason=\"actuator_error\"} 1"));
  EXPECT_THAT(m, HasSubstr("autoscale_control_actuations_total{service=\"api\",result=\"error\"} 1"));
  EXPECT_THAT(log_text(*loop), HasSubstr(R"("reason":"actuator_error")"));
  fail = false;
  minute(1, 9000, 0, 30, 0);
  EXPECT_TRUE(loop->tick(0).acted);
  m = loop->metrics_text();
  EXPECT_THAT(m, HasSubstr("autoscale_control_failsafe{service=\"api\",reason=\"actuator_error\"} 0"));
  EXPECT_THAT(m, HasSubstr("autoscale_control_actuations_total{service=\"api\",result=\"ok\"} 1"));
}

// ---- The actuators ------------------------------------------------------------------------------

Actuation sample(bool enforced = true) { return {"api", 7, kBase + 420, 33, 3, 0, enforced}; }

TEST_F(ControlFixture, TheFileActuatorAppendsOneJsonLinePerDecision) {
  const auto path = dir / "decisions.jsonl";
  {
    FileActuator f(path.string());
    f.apply(sample());
    f.shadow(sample(false));
  }
  FileActuator again(path.string());  // appends, never truncates
  again.apply(sample());
  std::ifstream in(path);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], nlohmann::json::parse(R"({"service":"api","minute":7,"timestamp":1704067620,"desired":33,"add":3,"remove":0,"enforced":true})"));
  EXPECT_FALSE(lines[1]["enforced"].get<bool>());
  EXPECT_THROW(FileActuator((dir / "no" / "such" / "dir.jsonl").string()), Error);
}

TEST_F(ControlFixture, TheCommandActuatorPassesTheDesiredFleetAndFailsOnANonZeroExit) {
  const auto out = dir / "command.out";
  CommandActuator ok("echo \"$1 $2 $3 $AUTOSCALE_DESIRED $AUTOSCALE_SERVICE $AUTOSCALE_ADD $AUTOSCALE_REMOVE\" > " + out.string(),
                     std::chrono::seconds(5));
  ok.apply(sample());
  EXPECT_EQ(read_text(out), fmt::format("33 7 {} 33 api 3 0\n", kBase + 420));
  CommandActuator bad("echo no quota >&2; exit 3", std::chrono::seconds(5));
  try {
    bad.apply(sample());
    ADD_FAILURE() << "a non-zero exit was taken for success";
  } catch (const ActuationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("exited with status 3"));
    EXPECT_THAT(e.what(), HasSubstr("no quota"));
  }
  CommandActuator slow("sleep 5", std::chrono::milliseconds(200));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(slow.apply(sample()), ActuationError);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST_F(ControlFixture, TheWebhookRetries5xxWithBackoffAndGivesUpOn4xx) {
  httplib::Server hook;
  std::mutex mu;
  std::vector<std::string> bodies;
  int failures_left = 2;
  int status_after = 200;
  hook.Post("/scale", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    bodies.push_back(req.body);
    res.status = failures_left-- > 0 ? 503 : status_after;
  });
  const int port = hook.bind_to_any_port("127.0.0.1");
  std::thread t([&] { hook.listen_after_bind(); });
  while (!hook.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  WebhookOptions wo;
  wo.first_backoff = std::chrono::milliseconds(20);
  wo.tries = 4;
  WebhookActuator w("http://127.0.0.1:" + std::to_string(port) + "/scale", wo);
  const auto t0 = std::chrono::steady_clock::now();
  w.apply(sample());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(60));  // 20 + 40 ms of backoff
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(bodies.size(), 3u);
    EXPECT_EQ(nlohmann::json::parse(bodies.back())["desired"], 33);
    failures_left = 0;
    status_after = 403;
  }
  EXPECT_THROW(w.apply(sample()), ActuationError);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(bodies.size(), 4u);  // a 4xx is not retried
    failures_left = 100;
  }
  try {
    w.apply(sample());
    ADD_FAILURE() << "a webhook failing every try was taken for success";
  } catch (const ActuationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("HTTP 503"));
    EXPECT_THAT(e.what(), HasSubstr("gave up after 4 tries"));
  }
  hook.stop();
  t.join();
  WebhookActuator down("http://127.0.0.1:" + std::to_string(autoscale::testing::unused_loopback_port()) + "/x", wo);
  EXPECT_THROW(down.apply(sample()), ActuationError);
  const ActuatorOptions ao;
  EXPECT_THROW(make_actuator("kubectl:api", ao), Error);
  EXPECT_THROW(make_actuator("file:", ao), Error);
}

TEST_F(ControlFixture, TheMetricsListenerServesTheGauges) {
  ControlOptions o = options();
  o.metrics_port = 0;
  auto loop = make(o);
  const int port = loop->start_metrics();
  ASSERT_GT(port, 0);
  minute(0, 9000, 0, 30, 0);
  const TickResult t = loop->tick(0);
  httplib::Client c("127.0.0.1", port);
  const auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_THAT(r->body, HasSubstr(fmt::format("autoscale_control_desired{{service=\"api\"}} {}", t.decision.desired)));
  EXPECT_THAT(r->body, HasSubstr("autoscale_control_enforced{service=\"api\"} 1"));
  EXPECT_THAT(r->body, HasSubstr("# TYPE autoscale_control_failsafe gauge"));
  EXPECT_EQ(c.Get("/nope")->status, 404);
}

}  // namespace
}  // namespace autoscale::control
