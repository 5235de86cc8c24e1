#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "policies/hpa.hpp"
#include "policies/actuator.hpp"
#include "policy_test_util.hpp"

namespace autoscale {
namespace {

using namespace autoscale::testing;

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

TEST(ClassicalHpa, EachDirectionHasItsOwnTolerance) {
  struct Row {
    const char* name;
    double utilization, up_tolerance, down_tolerance;
    int expected;
  };
  const std::vector<Row> rows = {
      {"80/75 = 1.067 scales with a 5 % scale-up tolerance", 0.80, 0.05, 0.10, 54},  // ceil(50 * 80 / 75)
      {"80/75 is held by a 10 % scale-up tolerance", 0.80, 0.10, 0.05, 50},
      {"70/75 = 0.933 scales down with a 5 % scale-down tolerance", 0.70, 0.10, 0.05, 47},  // ceil(50 * 70 / 75)
      {"70/75 is held by a 10 % scale-down tolerance", 0.70, 0.05, 0.10, 50},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(hpa_metric_replicas(50, 50, 0, r.utilization, 0.75, r.up_tolerance, r.down_tolerance), r.expected);
  }
  // The spec's tolerance sets both; up_tolerance / down_tolerance one.
  Env env = scripted_env(50, {load_at(50, 0.80 * 0.75 / 0.75)});
  auto policy = make("hpa:target=0.75,tolerance=0.1,up_tolerance=0.05");
  drive(env, *policy, 2);
  EXPECT_EQ(as<HpaPolicy>(*policy).desired_replicas(), 54);
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
  // Each policy counts from its own period's start: with +100 % per 60 s, only the first sync
  // doubles, and +4 pods per 15 s then wins: 2 -> 6 -> 10 -> 14 -> 18.
  Env env_periods = scripted_env(2, loads);
  auto periods = make("hpa:up_percent_period=60");
  drive(env_periods, *periods, 2);
  EXPECT_EQ(as<HpaPolicy>(*periods).desired_replicas(), 18);
  // Pods policy alone: +4 per 15 s.
  Env env_pods = scripted_env(2, loads);
  auto pods = make("hpa:up_percent=0");
  drive(env_pods, *pods, 2);
  EXPECT_EQ(as<HpaPolicy>(*pods).desired_replicas(), 18);
}

TEST(ClassicalHpa, SelectPolicyMinLetsTheLeastPermissivePolicyWin) {
  // Scale-up, as above but Min: each 15 s min(+4 pods, +100 %): 2 -> 4 -> 8 -> 12 -> 16.
  Env env = scripted_env(2, {load_at(2, 30.0)});
  auto up = make("hpa:up_select=min");
  drive(env, *up, 2);
  EXPECT_EQ(as<HpaPolicy>(*up).desired_replicas(), 16);
  // Scale-down of 40 idle pods, -2 pods or -50 % per 15 s. Max: 40 -> 20 -> 10 -> 5 -> 2;
  // Min: 40 -> 38 -> 36 -> 34 -> 32.
  for (const auto& [spec, expected] : std::vector<std::pair<std::string, int>>{
           {"hpa:down_window=0,down_pods=2,down_percent=50", 2}, {"hpa:down_window=0,down_pods=2,down_percent=50,down_select=min", 32}}) {
    SCOPED_TRACE(spec);
    Env quiet = scripted_env(40, {30});
    auto down = make(spec);
    drive(quiet, *down, 2);
    EXPECT_EQ(as<HpaPolicy>(*down).desired_replicas(), expected);
  }
  EXPECT_THROW(make("hpa:up_select=least"), Error);
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

}  // namespace
}  // namespace autoscale
