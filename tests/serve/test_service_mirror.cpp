// The stateful API's rules (serve::ServiceMirror): report order, gaps, duplicates, warm-up queue
// inference, and that the state is a function of the accepted reports.
#include <gtest/gtest.h>

#include "eval/policy_factory.hpp"
#include "scenario/scenario.hpp"
#include "serve/http_error.hpp"
#include "serve/service_mirror.hpp"

namespace autoscale::serve {
namespace {

// Records what it was shown; orders (minute % 3) machines and removes one every 4th minute.
struct Recorder final : Policy {
  std::vector<StepInfo>* seen;
  explicit Recorder(std::vector<StepInfo>* s) : seen(s) {}
  Action act(const Env& env) override {
    seen->push_back(env.info());
    const auto m = env.info().minute;
    return {static_cast<int>(m % 3), m % 4 == 0 ? 1 : 0};
  }
};

struct MirrorFixture : ::testing::Test {
  Scenario s = resolve_scenario("seed");
  std::vector<StepInfo> seen;
  ServiceMirror make(ServiceConfig c = {}) {
    return ServiceMirror(s.make_env(), c, [this] { return std::make_unique<Recorder>(&seen); });
  }
  static MetricsReport report(std::int64_t minute, std::int64_t load, int active, int warming, std::int64_t failed = 0) {
    MetricsReport r;
    r.timestamp = 1'700'000'040 + 60 * minute + 7;  // seconds within the minute do not matter
    r.load = load;
    r.failed = failed;
    r.active = active;
    r.warming = warming;
    return r;
  }
};

TEST_F(MirrorFixture, FirstReportStartsAtMinuteZeroAndNextMinutesAdvance) {
  ServiceMirror m = make();
  const Decision d0 = m.ingest(report(0, 9000, 40, 0));
  EXPECT_EQ(d0.minute, 0);
  EXPECT_EQ(d0.action.add, 0);
  EXPECT_EQ(d0.action.remove, 1);
  EXPECT_EQ(d0.desired, 39);
  const Decision d1 = m.ingest(report(1, 9100, 39, 0));
  EXPECT_EQ(d1.minute, 1);
  EXPECT_EQ(d1.timestamp % 60, 0);
  EXPECT_EQ(d1.action.add, 1);
  EXPECT_EQ(m.env().info().add, 0);     // the decision applied before minute 1 was minute 0's
  EXPECT_EQ(m.env().info().remove, 1);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].load, 9100);
}

TEST_F(MirrorFixture, DuplicateReturnsTheSameDecisionConflictAndOutOfOrderAreRefused) {
  ServiceMirror m = make();
  m.ingest(report(0, 9000, 40, 0));
  const Decision d1 = m.ingest(report(1, 9100, 40, 0));
  MetricsReport again = report(1, 9100, 40, 0);
  again.timestamp -= 5;  // same minute
  const Decision dup = m.ingest(again);
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.minute, d1.minute);
  EXPECT_EQ(dup.action.add, d1.action.add);
  EXPECT_EQ(seen.size(), 2u);  // the policy did not act again
  try {
    m.ingest(report(1, 9999, 40, 0));
    FAIL() << "a different report for the same minute must be refused";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 409);
    EXPECT_NE(std::string(e.what()).find("already reported"), std::string::npos);
  }
  try {
    m.ingest(report(0, 9000, 40, 0));
    FAIL() << "an earlier minute must be refused";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 409);
    EXPECT_NE(std::string(e.what()).find("before the last reported minute"), std::string::npos);
  }
  EXPECT_EQ(m.history().size(), 2u);
}

TEST_F(MirrorFixture, GapsAreFilledByRepeatingTheLastReportAndLongGapsRestart) {
  ServiceConfig c;
  c.max_gap_minutes = 3;
  ServiceMirror m = make(c);
  m.ingest(report(0, 9000, 40, 0));
  m.ingest(report(1, 9100, 40, 2));
  const Decision d = m.ingest(report(5, 9500, 41, 1));  // minutes 2, 3, 4 missing: 3 <= max gap
  EXPECT_EQ(d.filled, 3);
  EXPECT_EQ(d.minute, 5);
  ASSERT_EQ(seen.size(), 6u);
  for (int i = 2; i <= 4; ++i) {
    EXPECT_EQ(seen[static_cast<std::size_t>(i)].minute, i);
    EXPECT_EQ(seen[static_cast<std::size_t>(i)].load, 9100) << "filled minute " << i;
    EXPECT_EQ(seen[static_cast<std::size_t>(i)].warming, 2);
  }
  EXPECT_EQ(m.history().size(), 3u);  // filled minutes are not reports
  const Decision r = m.ingest(report(10, 8000, 41, 0));  // 4 missing > 3: restart
  EXPECT_TRUE(r.restarted);
  EXPECT_EQ(r.minute, 0);
  EXPECT_EQ(m.history().size(), 1u);
}

TEST_F(MirrorFixture, WarmUpQueueIsInferredFromTheCounts) {
  ServiceMirror m = make();
  m.ingest(report(0, 9000, 40, 3));
  EXPECT_EQ(m.queue(), (std::vector<int>{0, 0, 0, 0, 3}));  // first report: all in the newest slot
  m.ingest(report(1, 9000, 40, 5));
  EXPECT_EQ(m.queue(), (std::vector<int>{0, 0, 0, 3, 2}));  // 2 ordered in the last minute
  m.ingest(report(2, 9000, 40, 5));
  EXPECT_EQ(m.queue(), (std::vector<int>{0, 0, 3, 2, 0}));
  m.ingest(report(3, 9000, 42, 3));  // 2 fewer than queued: taken from the oldest orders
  EXPECT_EQ(m.queue(), (std::vector<int>{0, 1, 2, 0, 0}));
  MetricsReport explicit_slots = report(4, 9000, 42, 0);
  explicit_slots.queue = std::vector<int>{4, 0, 0, 0, 1};
  explicit_slots.warming = 5;
  m.ingest(explicit_slots);
  EXPECT_EQ(m.queue(), (std::vector<int>{4, 0, 0, 0, 1}));
  EXPECT_EQ(m.env().fleet().warming(), 5);
  EXPECT_EQ(m.env().fleet().queued(0), 4);
}

// Under the simulator's model the inferred queue is the simulator's own queue, whoever decided the
// orders: here the "operator" follows its own static policy, not the mirror's decisions (dry run).
TEST_F(MirrorFixture, InferredQueueMatchesTheSimulatorWhenTheOperatorIgnoresTheDecisions) {
  Env sim = s.make_env();
  sim.reset(3);
  ServiceMirror m = make();
  auto operator_policy = make_policy(parse_policy_spec("hpa"), s);
  operator_policy->reset(sim);
  for (int minute = 0; minute < 600; ++minute) {
    const StepInfo& i = sim.info();
    m.ingest(report(minute, i.load, i.active, i.warming, i.failed));
    ASSERT_EQ(m.queue(), sim.fleet().queue()) << "minute " << minute;
    ASSERT_EQ(m.env().info().down, i.down);
    sim.step(operator_policy->act(sim));
  }
}

TEST_F(MirrorFixture, ReplayingTheHistoryRebuildsTheSameState) {
  ServiceConfig c;
  c.max_gap_minutes = 2;
  ServiceMirror a = make(c);
  std::vector<Decision> first;
  for (int minute : {0, 1, 2, 4, 5, 9, 10, 11}) first.push_back(a.ingest(report(minute, 8000 + 37 * minute, 40, minute % 4)));
  ServiceMirror b = make(c);
  b.replay(a.history());
  EXPECT_EQ(b.last_decision().minute, a.last_decision().minute);
  EXPECT_EQ(b.queue(), a.queue());
  const Decision na = a.ingest(report(12, 9000, 41, 1));
  const Decision nb = b.ingest(report(12, 9000, 41, 1));
  EXPECT_EQ(na.action.add, nb.action.add);
  EXPECT_EQ(na.action.remove, nb.action.remove);
  EXPECT_EQ(std::vector<float>(a.env().observation().begin(), a.env().observation().end()),
            std::vector<float>(b.env().observation().begin(), b.env().observation().end()));
}

TEST(MetricsReport, StrictParsingNamesTheField) {
  const auto error_of = [](const std::string& text) -> std::string {
    try {
      parse_metrics_report(nlohmann::json::parse(text), 5);
    } catch (const HttpError& e) {
      EXPECT_EQ(e.status(), 400);
      return e.what();
    }
    return "";
  };
  const std::string ok = R"({"timestamp": 1700000000, "load": 9000.4, "failed": 0, "active": 40, "warming": 2})";
  EXPECT_EQ(error_of(ok), "");
  EXPECT_EQ(parse_metrics_report(nlohmann::json::parse(ok), 5).load, 9000);
  EXPECT_EQ(parse_metrics_report(nlohmann::json::parse(R"({"timestamp": "2023-11-14T22:13:20Z", "load": 1, "failed": 0, "active": 1, "warming": [0,0,0,0,1]})"), 5).timestamp,
            1700000000);
  EXPECT_NE(error_of(R"({"timestamp": 1700000000, "load": 9000, "failed": 0, "active": 40, "warming": 2, "cpu": 3})").find("unknown field 'cpu'"), std::string::npos);
  EXPECT_NE(error_of(R"({"timestamp": 1700000000, "load": 9000, "failed": 0, "active": 40})").find("missing field 'warming'"), std::string::npos);
  EXPECT_NE(error_of(R"({"timestamp": 1700000000, "load": -1, "failed": 0, "active": 40, "warming": 0})").find("'load'"), std::string::npos);
  EXPECT_NE(error_of(R"({"timestamp": 1700000000, "load": 10, "failed": 11, "active": 40, "warming": 0})").find("exceeds"), std::string::npos);
  EXPECT_NE(error_of(R"({"timestamp": 1700000000, "load": 10, "failed": 0, "active": 4.5, "warming": 0})").find("'active' must be an integer"), std::string::npos);
  EXPECT_NE(error_of(R"({"timestamp": 1700000000, "load": 10, "failed": 0, "active": 4, "warming": [1, 2]})").find("5 values"), std::string::npos);
  EXPECT_NE(error_of(R"({"timestamp": "yesterday", "load": 10, "failed": 0, "active": 4, "warming": 0})").find("ISO-8601"), std::string::npos);
  EXPECT_NE(error_of(R"([1, 2])").find("JSON object"), std::string::npos);
}

}  // namespace
}  // namespace autoscale::serve
