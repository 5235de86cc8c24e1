#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "eval/episode.hpp"
#include "policies/classical.hpp"
#include "policies/headroom.hpp"
#include "policies/hpa.hpp"
#include "policies/predictive.hpp"
#include "policies/step_scaling.hpp"
#include "policies/target_tracking.hpp"
#include "scenario/scenario.hpp"
#include "scripted_load.hpp"

namespace autoscale {
namespace {

using testing::ScriptedLoad;

// Capacity exactly active * 300 tpm: hand-computable utilizations.
ServiceParams exact_params(int initial) {
  ServiceParams p;
  p.tpm_sigma = 0;
  p.initial_machines = initial;
  p.max_time_steps = 100000;
  return p;
}

Env scripted_env(int initial, std::vector<std::int64_t> loads) {
  return Env(exact_params(initial), std::make_unique<ScriptedLoad>(std::move(loads)));
}

const Scenario& seed_scenario() {
  static const Scenario s = resolve_scenario("seed");
  return s;
}

std::unique_ptr<Policy> make(const std::string& text) {
  auto p = make_classical_policy(parse_policy_spec(text), seed_scenario());
  if (!p) throw Error("not a classical policy: " + text);
  return p;
}

template <class T>
T& as(Policy& p) {
  return dynamic_cast<T&>(p);
}

// Load of `machines` machines at `utilization` of 300 tpm each.
std::int64_t load_at(int machines, double utilization) { return std::llround(machines * 300 * utilization); }

// Runs minutes 0 .. minutes - 1 of act/step and returns the action taken after each minute.
std::vector<Action> drive(Env& env, Policy& policy, int minutes) {
  env.reset(0);
  policy.reset(env);
  std::vector<Action> actions;
  for (int m = 0; m < minutes; ++m) {
    actions.push_back(policy.act(env));
    env.step(actions.back());
  }
  return actions;
}

std::string error_of(const std::string& text) {
  try {
    make(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// ---------------------------------------------------------------- HPA replica calculator

TEST(ClassicalHpa, ProportionalRecommendation) {
  // 50 pods at 90 % with a 75 % target: ceil(50 * 90 / 75) = 60.
  EXPECT_EQ(hpa_metric_replicas(50, 50, 0, 0.90, 0.75, 0.1), 60);
  // Scale-down: 50 pods at 30 % with a 60 % target -> 25.
  EXPECT_EQ(hpa_metric_replicas(50, 50, 0, 0.30, 0.60, 0.1), 25);
}

TEST(ClassicalHpa, WithinToleranceNoChange) {
  // 80 / 75 = 1.067: within 10 %.
  EXPECT_EQ(hpa_metric_replicas(50, 50, 0, 0.80, 0.75, 0.1), 50);
  EXPECT_EQ(hpa_metric_replicas(50, 50, 0, 0.70, 0.75, 0.1), 50);
  // Exactly at the edge (90 / 80 = 1.125, tolerance 0.125, both exact in binary) counts as within.
  EXPECT_EQ(hpa_metric_replicas(50, 50, 0, 0.90, 0.80, 0.125), 50);
  // With no tolerance the same reading scales.
  EXPECT_EQ(hpa_metric_replicas(50, 50, 0, 0.80, 0.75, 0.0), 54);
}

TEST(ClassicalHpa, UtilizationIsAWholePercent) {
  // 89.9 % reads as 89 %: 89 / 75 * 50 = 59.33 -> 60; 90.9 % reads 90 % -> 60 as well.
  EXPECT_EQ(hpa_metric_replicas(50, 50, 0, 0.899, 0.75, 0.1), 60);
  EXPECT_EQ(hpa_metric_replicas(50, 50, 0, 0.909, 0.75, 0.1), 60);
  EXPECT_EQ(hpa_metric_replicas(50, 50, 0, 0.911, 0.75, 0.1), 61);  // 91 %: 60.67 -> 61
}

TEST(ClassicalHpa, UnreadyPodsCancelAMarginalScaleUp) {
  // 10 ready pods at 69 % (target 60 %: ratio 1.15) and 2 unready: with the unready at 0 %,
  // floor(69 * 10 / 12) = 57 % -> 0.95, within tolerance: keep the current 12.
  EXPECT_EQ(hpa_metric_replicas(12, 10, 2, 0.69, 0.60, 0.1), 12);
  // Without unready pods the same reading scales up: ceil(1.15 * 12) = 14.
  EXPECT_EQ(hpa_metric_replicas(12, 12, 0, 0.69, 0.60, 0.1), 14);
  // A rebalanced ratio below 1 (a direction change) also keeps the current count.
  EXPECT_EQ(hpa_metric_replicas(20, 10, 10, 0.75, 0.60, 0.1), 20);
}

TEST(ClassicalHpa, UnreadyPodsCountAsZeroOnAClearScaleUp) {
  // 10 ready at 120 % (ratio 2), 2 unready: floor(120 * 10 / 12) = 100 % -> ceil(100 / 60 * 12) = 20.
  EXPECT_EQ(hpa_metric_replicas(12, 10, 2, 1.2, 0.60, 0.1), 20);
}

TEST(ClassicalHpa, ScaleDownIgnoresUnreadyPods) {
  // Ratio 0.5 < 1: the unready pods are left out and the ready ones decide: ceil(0.5 * 50) = 25.
  EXPECT_EQ(hpa_metric_replicas(60, 50, 10, 0.30, 0.60, 0.1), 25);
}

TEST(ClassicalHpa, NoReadyPodsNoRecommendation) {
  EXPECT_EQ(hpa_metric_replicas(10, 0, 5, 1.0, 0.6, 0.1), -1);
}

// ---------------------------------------------------------------- HPA controller

TEST(ClassicalHpa, FiftyAtNinetyPercentBecomesSixty) {
  Env env = scripted_env(50, {load_at(50, 0.9)});
  auto policy = make("hpa:target=0.75");
  const auto actions = drive(env, *policy, 2);
  EXPECT_EQ(actions[0].add, 0);  // minute 0: no metric yet
  EXPECT_EQ(as<HpaPolicy>(*policy).desired_replicas(), 60);
  EXPECT_EQ(actions[1].add, 10);
  EXPECT_EQ(actions[1].remove, 0);
}

TEST(ClassicalHpa, WithinToleranceTheControllerHolds) {
  Env env = scripted_env(50, {load_at(50, 0.64)});  // 64 / 60 = 1.067
  auto policy = make("hpa");
  for (const Action& a : drive(env, *policy, 30)) {
    EXPECT_EQ(a.add, 0);
    EXPECT_EQ(a.remove, 0);
  }
  EXPECT_EQ(as<HpaPolicy>(*policy).desired_replicas(), 50);
}

TEST(ClassicalHpa, StabilizationHoldsAScaleDownUntilTheHigherRecommendationExpires) {
  // Minute 1 recommends 60 (50 pods at 60 %, target 50 %); from minute 2 the load halves and the
  // recommendation is 30. The 60s were made at seconds 60..105 of the 4 syncs of minute 1, so
  // the 300 s window holds 60 through the sync at 390 s and lets 30 through at 405 s (minute 6).
  std::vector<std::int64_t> loads(200, load_at(50, 0.3));
  loads[0] = load_at(50, 0.6);
  Env env = scripted_env(50, loads);
  auto policy = make("hpa:target=0.5");
  auto& hpa = as<HpaPolicy>(*policy);
  env.reset(0);
  policy->reset(env);
  std::vector<int> desired;
  for (int m = 0; m <= 7; ++m) {
    env.step(policy->act(env));
    desired.push_back(hpa.desired_replicas());
  }
  EXPECT_EQ(desired, (std::vector<int>{50, 60, 60, 60, 60, 60, 30, 30}));
}

TEST(ClassicalHpa, ScaleUpLimitCompoundsOverTheSyncsOfAMinute) {
  // 2 pods at 3000 % (target 60 %) want 100. Per 15 s: max(+4 pods, +100 %): 2 -> 6 -> 12 -> 24 -> 48.
  const std::vector<std::int64_t> loads{load_at(2, 30.0)};
  Env env = scripted_env(2, loads);
  auto policy = make("hpa");
  drive(env, *policy, 2);
  EXPECT_EQ(as<HpaPolicy>(*policy).desired_replicas(), 48);
  // One sync a minute: one 15 s period's worth, max(2 + 4, 2 * 2) = 6.
  Env env60 = scripted_env(2, loads);
  auto once = make("hpa:sync=60");
  const auto actions = drive(env60, *once, 2);
  EXPECT_EQ(as<HpaPolicy>(*once).desired_replicas(), 6);
  EXPECT_EQ(actions[1].add, 4);
  // Pods policy alone: +4 per 15 s.
  Env env_pods = scripted_env(2, loads);
  auto pods = make("hpa:up_percent=0");
  drive(env_pods, *pods, 2);
  EXPECT_EQ(as<HpaPolicy>(*pods).desired_replicas(), 18);
}

TEST(ClassicalHpa, WarmingPodsPreventASecondScaleUpForTheSameDemand) {
  // 10 pods at 90 % (target 60 %) -> 15. The next minute the same load meets 10 ready + 5 unready:
  // floor(90 * 10 / 15) = 60 % is on target: no further scale-up.
  Env env = scripted_env(10, {load_at(10, 0.9)});
  auto policy = make("hpa");
  const auto actions = drive(env, *policy, 4);
  EXPECT_EQ(actions[1].add, 5);
  EXPECT_EQ(actions[2].add, 0);
  EXPECT_EQ(actions[3].add, 0);
  EXPECT_EQ(as<HpaPolicy>(*policy).desired_replicas(), 15);
}

TEST(ClassicalHpa, MinAndMaxReplicas) {
  Env env = scripted_env(10, {load_at(10, 3.0)});
  auto policy = make("hpa:max=25");
  drive(env, *policy, 3);
  EXPECT_EQ(as<HpaPolicy>(*policy).desired_replicas(), 25);
  Env quiet = scripted_env(10, {30});
  auto low = make("hpa:min=4,down_window=0");
  drive(quiet, *low, 3);
  EXPECT_EQ(as<HpaPolicy>(*low).desired_replicas(), 4);
}

TEST(ClassicalHpa, ScaleDownRemovesOnlyReadyMachinesBeyondTheTarget) {
  // Steering to 15 with 20 active removes 5; with 10 active and 10 warming it removes none (the
  // surplus is taken when it arrives).
  Env a = scripted_env(20, {1000});
  a.reset(0);
  EXPECT_EQ(steer_ready_first(a, 15).remove, 5);
  Env b = scripted_env(20, {1000});
  b.reset(0);
  b.step({10, 10});
  EXPECT_EQ(b.fleet().active(), 10);
  EXPECT_EQ(b.fleet().warming(), 10);
  EXPECT_EQ(steer_ready_first(b, 15).remove, 0);
  EXPECT_EQ(steer_ready_first(b, 8).remove, 2);
  EXPECT_EQ(steer_ready_first(b, 23).add, 3);
}

// ---------------------------------------------------------------- target tracking

TEST(ClassicalTargetTracking, ProportionalScaleOutAfterThreeDatapoints) {
  // 10 machines at 90 %, target 50 %: after 3 breaching minutes, ceil(2700 / 150) = 18.
  Env env = scripted_env(10, {load_at(10, 0.9)});
  auto policy = make("target-tracking:target=0.5");
  const auto actions = drive(env, *policy, 5);
  EXPECT_EQ(actions[1].add, 0);
  EXPECT_EQ(actions[2].add, 0);
  EXPECT_EQ(actions[3].add, 8);
  EXPECT_EQ(actions[4].add, 0);  // the warming 8 count toward the desired capacity
  EXPECT_EQ(as<TargetTrackingPolicy>(*policy).desired_capacity(), 18);
}

TEST(ClassicalTargetTracking, NoScaleInWhileMachinesWarmUpThenGradually) {
  // Scale out to 18 at minute 1, then the load collapses to 10 %. The 8 ordered machines arrive at
  // minute 7; only then does scale-in start: 10 % of 18 = 1 machine, then a 300 s cooldown.
  std::vector<std::int64_t> loads(100, 300);
  loads[0] = load_at(10, 0.9);
  Env env = scripted_env(10, loads);
  auto policy = make("target-tracking:target=0.5,out_points=1,in_points=1");
  auto& tt = as<TargetTrackingPolicy>(*policy);
  env.reset(0);
  policy->reset(env);
  std::vector<int> desired, removed;
  for (int m = 0; m <= 13; ++m) {
    const Action a = policy->act(env);
    desired.push_back(tt.desired_capacity());
    removed.push_back(a.remove);
    env.step(a);
  }
  EXPECT_EQ(desired, (std::vector<int>{10, 18, 18, 18, 18, 18, 18, 17, 17, 17, 17, 17, 16, 16}));
  EXPECT_EQ(removed[7], 1);
  for (int m = 2; m <= 6; ++m) EXPECT_EQ(removed[m], 0) << "minute " << m;
}

TEST(ClassicalTargetTracking, NoScaleInAboveTheLowThreshold) {
  // 56 % against a 60 % target: not "well below" (< 54 %): hold.
  Env env = scripted_env(20, {load_at(20, 0.56)});
  auto policy = make("target-tracking:in_points=1");
  for (const Action& a : drive(env, *policy, 40)) EXPECT_EQ(a.remove, 0);
}

// ---------------------------------------------------------------- step and simple scaling

TEST(ClassicalStep, TableRowsAndAdjustments) {
  const auto table = parse_step_table("t", "out", "0>1|0.2>3|0.4>50pct");
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(step_row(table, 0.0), &table[0]);
  EXPECT_EQ(step_row(table, 0.199), &table[0]);
  EXPECT_EQ(step_row(table, 0.2), &table[1]);
  EXPECT_EQ(step_row(table, 0.45), &table[2]);
  EXPECT_EQ(adjustment_machines(table[2].adjustment, 10, 1), 5);
  // AWS rounding: 15 % of 10 = 1.5 -> 1; 5 % of 10 = 0.5 -> 1; MinAdjustmentMagnitude lifts it.
  EXPECT_EQ(adjustment_machines({15, true}, 10, 1), 1);
  EXPECT_EQ(adjustment_machines({5, true}, 10, 0), 1);
  EXPECT_EQ(adjustment_machines({15, true}, 10, 3), 3);
  EXPECT_EQ(adjustment_machines({3, false}, 10, 5), 3);  // counts ignore the magnitude floor
}

TEST(ClassicalStep, TheBreachPicksTheRow) {
  const std::string spec = "step:high=0.5,low=0.2,out=0>1|0.2>3|0.4>50pct";
  const std::vector<std::pair<double, int>> cases{{0.55, 1}, {0.75, 3}, {0.95, 5}};
  for (const auto& [util, add] : cases) {
    Env env = scripted_env(10, {load_at(10, util)});
    auto policy = make(spec);
    const auto actions = drive(env, *policy, 3);
    EXPECT_EQ(actions[1].add, add) << "utilization " << util;
    // The alarm fires again the next minute in the same row: the warming machines already cover it.
    EXPECT_EQ(actions[2].add, 0) << "utilization " << util;
  }
}

TEST(ClassicalStep, ScaleInRowAndNoScaleInWhileWarming) {
  // 10 machines at 5 % (breach below low 0.3: 0.25) -> row 0.2>40pct -> remove 4.
  Env env = scripted_env(10, {load_at(10, 0.05)});
  auto policy = make("step:high=0.6,low=0.3,in=0>1|0.2>40pct,in_points=1");
  EXPECT_EQ(drive(env, *policy, 2)[1].remove, 4);
  // Same with a machine warming: no scale-in.
  Env warm = scripted_env(10, {load_at(10, 0.05)});
  warm.reset(0);
  warm.step({1, 0});
  auto p2 = make("step:high=0.6,low=0.3,in=0>1|0.2>40pct,in_points=1");
  p2->reset(warm);
  EXPECT_EQ(p2->act(warm).remove, 0);
}

TEST(ClassicalSimple, CooldownAfterTheActivityCompletes) {
  // 10 machines at 90 %: +2 at minute 1; the 2 arrive at minute 7 (activity complete), then a
  // 300 s cooldown: the next +2 comes at minute 12 although the alarm stays in ALARM.
  Env env = scripted_env(10, {load_at(10, 0.9)});
  auto policy = make("simple:high=0.5,low=0.2,out=2,in=1,cooldown=300");
  const auto actions = drive(env, *policy, 14);
  std::vector<int> adds;
  for (int m = 0; m < 14; ++m) {
    if (actions[m].add > 0) adds.push_back(m);
  }
  EXPECT_EQ(adds, (std::vector<int>{1, 12}));
  EXPECT_EQ(as<SimpleScalingPolicy>(*policy).desired_capacity(), 14);
}

TEST(ClassicalSimple, PercentAdjustmentOnTheDesiredCapacity) {
  Env env = scripted_env(20, {load_at(20, 0.9)});
  auto policy = make("simple:out=30pct");
  EXPECT_EQ(drive(env, *policy, 2)[1].add, 6);
}

// ---------------------------------------------------------------- predictive

TEST(ClassicalPredictive, ForecasterIsPersistenceWithoutASeasonThenSeasonal) {
  ForecastConfig c;
  c.smooth = 1;
  SeasonalForecaster f(c);
  f.reset();
  EXPECT_EQ(f.forecast(3), 0);
  for (int i = 0; i < 100; ++i) f.observe(1000 + 10 * i);
  EXPECT_EQ(f.forecast(5), 1000 + 10 * 99);  // no past day: persistence
  f.reset();
  // A daily ramp 1000 + 10 * (minute of day): after a day, the next minutes' rise is borrowed.
  for (int i = 0; i < 1440 + 100; ++i) f.observe(1000 + 10 * (i % 1440) + (i >= 1440 ? 500 : 0));
  EXPECT_DOUBLE_EQ(f.forecast(5), 1000 + 10 * 99 + 500 + 50);
}

TEST(ClassicalPredictive, ProvisionsAheadOfADailyRiseAfterDayOne) {
  // 1000 tpm, except 6000 for minutes 600-699 of each day.
  std::vector<std::int64_t> loads(3000);
  for (std::size_t i = 0; i < loads.size(); ++i) {
    const std::int64_t minute = static_cast<std::int64_t>(i) + 1;
    loads[i] = minute % 1440 >= 600 && minute % 1440 < 700 ? 6000 : 1000;
  }
  Env env = scripted_env(8, loads);
  auto policy = make("predictive");
  env.reset(0);
  policy->reset(env);
  StepInfo day1, day2;
  for (int m = 0; m < 2100; ++m) {
    const StepResult r = env.step(policy->act(env));
    if (r.info.minute == 600) day1 = r.info;
    if (r.info.minute == 1440 + 600) day2 = r.info;
  }
  // Day 1 is reactive: the rise finds the fleet short.
  EXPECT_GT(day1.failed, 0);
  // Day 2: the fleet for ceil((6000 * 1.3 + 1000) / 300) = 30 machines is in service when the load arrives.
  EXPECT_EQ(day2.load, 6000);
  EXPECT_EQ(day2.failed, 0);
  EXPECT_GE(day2.active, 30);
}

TEST(ClassicalPredictive, ReactiveFromTheFirstMinute) {
  // No history: the floor follows the current load (persistence) at once.
  Env env = scripted_env(5, {6000});
  auto policy = make("predictive");
  const auto actions = drive(env, *policy, 2);
  EXPECT_EQ(actions[1].add, 10);
  EXPECT_EQ(as<PredictivePolicy>(*policy).forecast_capacity(), 30);
}

// ---------------------------------------------------------------- headroom

TEST(ClassicalHeadroom, ExactFormula) {
  HeadroomConfig c;
  EXPECT_EQ(headroom_machines(c, 2000, 300), 14);  // ceil(4000 / 300) = ceil(13.33)
  EXPECT_EQ(headroom_machines(c, 2200, 300), 15);  // 4300 / 300 = 14.33
  EXPECT_EQ(headroom_machines(c, 0, 300), 4);
  EXPECT_EQ(headroom_machines({2.0, 0.0}, 2700, 300), 18);  // exactly 18
  Env env = scripted_env(10, {2000});
  auto policy = make("headroom");
  EXPECT_EQ(drive(env, *policy, 2)[1].add, 4);
  Env env2 = scripted_env(30, {2700});
  auto p2 = make("headroom:factor=2,reserve=0");
  EXPECT_EQ(drive(env2, *p2, 2)[1].remove, 10);  // 30 -> 18, at most 10 a minute
}

// ---------------------------------------------------------------- registry and parameters

TEST(ClassicalRegistry, NamesAndUnknownPolicies) {
  const auto names = classical_policy_names();
  EXPECT_EQ(names,
            (std::vector<std::string>{"hpa", "target-tracking", "step", "simple", "predictive", "headroom"}));
  for (const auto& n : names) EXPECT_NE(make(n), nullptr) << n;
  EXPECT_EQ(make_classical_policy(parse_policy_spec("noop"), seed_scenario()), nullptr);
  EXPECT_TRUE(tunable_params("noop").empty());
}

TEST(ClassicalRegistry, ParameterErrorsAreClear) {
  EXPECT_NE(error_of("hpa:tagret=0.5").find("unknown parameter 'tagret' for hpa (known: target"),
            std::string::npos)
      << error_of("hpa:tagret=0.5");
  EXPECT_NE(error_of("hpa:target=1e9").find("target must be a number in [0.01, 10]"), std::string::npos);
  EXPECT_NE(error_of("hpa:sync=7").find("sync must divide 60"), std::string::npos);
  EXPECT_NE(error_of("hpa:min=9,max=4").find("min (9) exceeds max (4)"), std::string::npos);
  EXPECT_NE(error_of("target-tracking:out_points=0").find("out_points must be an integer in [1, 60]"),
            std::string::npos);
  EXPECT_NE(error_of("headroom:factor=x").find("factor must be a number"), std::string::npos);
  EXPECT_NE(error_of("headroom:7").find("expected key=value parameters"), std::string::npos);
  EXPECT_NE(error_of("step:out=0>1|0.1").find("rows are lower>adjustment"), std::string::npos);
  EXPECT_NE(error_of("step:out=0.1>1").find("must start at 0 and ascend"), std::string::npos);
  EXPECT_NE(error_of("step:out=0>2|0>3").find("must start at 0 and ascend"), std::string::npos);
  EXPECT_NE(error_of("step:out=0>1.5").find("machine count (e.g. 3) or a percentage"), std::string::npos);
  EXPECT_NE(error_of("simple:high=0.4,low=0.5").find("low (0.5) must be below high (0.4)"),
            std::string::npos);
  EXPECT_NE(error_of("predictive:safety=-1").find("safety must be a number"), std::string::npos);
  EXPECT_NE(error_of("predictive:bogus=1").find("unknown parameter 'bogus' for predictive"),
            std::string::npos);
}

TEST(ClassicalRegistry, TunableRangesAreValidSpecs) {
  for (const auto& name : classical_policy_names()) {
    const auto params = tunable_params(name);
    EXPECT_GE(params.size(), 2u) << name;
    EXPECT_LE(params.size(), 4u) << name;
    for (const bool high : {false, true}) {
      std::string spec = name + ":";
      for (const auto& t : params) {
        EXPECT_LT(t.lo, t.hi) << name << " " << t.key;
        const double v = high ? t.hi : t.lo;
        spec += (spec.back() == ':' ? "" : ",") + t.key + "=" +
                (t.integer ? std::to_string(static_cast<long long>(v)) : fmt::format("{}", v));
      }
      EXPECT_NO_THROW(make(spec)) << spec;
    }
  }
}

TEST(ClassicalRegistry, DefaultsEarnOnTheSeedScenarioAndAreDeterministic) {
  const Scenario& s = seed_scenario();
  for (const auto& name : classical_policy_names()) {
    Env env = s.make_env();
    auto a = make(name), b = make(name);
    const EpisodeMetrics ma = run_episode(env, *a, 20000);
    const EpisodeMetrics mb = run_episode(env, *b, 20000);
    EXPECT_GT(ma.profit, 15000) << name;
    EXPECT_EQ(ma.profit, mb.profit) << name;
    // A policy object is reusable across episodes: reset() restores its initial state.
    EXPECT_EQ(run_episode(env, *a, 20000).profit, ma.profit) << name;
  }
}

}  // namespace
}  // namespace autoscale
