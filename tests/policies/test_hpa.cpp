#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "eval/run_policies.hpp"
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

// ---------------------------------------------------------------- lists of rate policies

// spec_ after each minute's syncs, from the first minute that changed it (the first datapoint).
std::vector<int> scale_up_minutes(const std::string& spec, int minutes) {
  // 2 pods at 3000 % of a 60 % target want 100 all along: the rate limits bind every sync.
  Env env = scripted_env(2, {load_at(2, 30.0)});
  auto policy = make(spec);
  env.reset(0);
  policy->reset(env);
  std::vector<int> out;
  for (int m = 0; m < minutes + 2 && static_cast<int>(out.size()) < minutes; ++m) {
    env.step(policy->act(env));
    const int d = as<HpaPolicy>(*policy).desired_replicas();
    if (!out.empty() || d != 2) out.push_back(d);
  }
  return out;
}

TEST(ClassicalHpa, TwoPodsPoliciesInScaleUpLimitAsKubernetesDoes) {
  // scaleUp.policies [{Pods, 4, 60}, {Pods, 10, 600}], each counting from the replicas at the
  // start of its own period (calculateScaleUpLimitWithScalingRules), syncs every 15 s from t0:
  // Max: t0: max(2 + 4, 2 + 10) = 12; t0+15..45: 4-pod policy from 12 - 10 = 2, 10-pod from 2:
  // hold; t0+60: the t0 event left the 60 s period: max(12 + 4, 2 + 10) = 16; then +4 a minute
  // (the 10-pod policy keeps counting from 2 for 600 s, then from 12: 22, below).
  EXPECT_EQ(scale_up_minutes("hpa:up_policies=4pods/60+10pods/600", 12),
            (std::vector<int>{12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56}));
  // Either policy alone: +4 a minute from 2, or +10 once per 10 minutes.
  EXPECT_EQ(scale_up_minutes("hpa:up_pods=4,up_percent=0,up_period=60", 3), (std::vector<int>{6, 10, 14}));
  EXPECT_EQ(scale_up_minutes("hpa:up_pods=10,up_percent=0,up_period=600", 11),
            (std::vector<int>{12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 22}));
  // Min: t0: min(6, 12) = 6; t0+60: min(6 + 4, 2 + 10) = 10; t0+120: min(14, 12) = 12, where the
  // 10-pod policy holds it (12 - 10 added in 600 s = 2, + 10) until t0+600: the t0 event (+4)
  // leaves, min(12 + 4, 6 + 10) = 16; t0+660: min(20, 10 + 10) = 20; t0+720: the +4 of t0+60
  // left: min(24, 12 + 10) = 22, held at t0+780 (its +2 of t0+120 is still counted).
  EXPECT_EQ(scale_up_minutes("hpa:up_policies=4pods/60+10pods/600,up_select=min", 14),
            (std::vector<int>{6, 10, 12, 12, 12, 12, 12, 12, 12, 12, 16, 20, 22, 22}));
  // The list is the rules the free functions get, in its order.
  HpaConfig c;
  c.up_policies = parse_hpa_rate_policies("t", "up_policies", "4pods/60+10pods/600+100pct/15", 100000);
  const hpa::ScalingRules rules = scale_up_rules(c);
  ASSERT_EQ(rules.policies.size(), 3u);
  EXPECT_EQ(rules.policies[1].type, hpa::ScalingPolicy::Type::kPods);
  EXPECT_EQ(rules.policies[1].value, 10);
  EXPECT_EQ(rules.policies[1].period_s, 600);
  EXPECT_EQ(rules.policies[2].type, hpa::ScalingPolicy::Type::kPercent);
  EXPECT_EQ(hpa::longest_period(rules), 600);
  EXPECT_EQ(rules.select, hpa::SelectPolicy::kMax);
}

TEST(ClassicalHpa, AListTheSingleKeysCanSayBehavesAsThem) {
  // The defaults as lists, and a Min pair with periods of their own, earn what the single keys do.
  const Scenario& s = seed_scenario();
  const auto runs = run_policies(
      s,
      {parse_policy_spec("hpa"), parse_policy_spec("hpa:up_policies=100pct/15+4pods/15,down_policies=100pct/15"),
       parse_policy_spec("hpa:down_window=60,down_pods=2,down_percent=10,down_pods_period=30,down_percent_period=120,"
                         "down_select=min"),
       parse_policy_spec("hpa:down_window=60,down_policies=2pods/30+10pct/120,down_select=min")},
      7000, 2, 2);
  for (std::size_t e = 0; e < runs[0].episodes.size(); ++e) {
    EXPECT_EQ(runs[0].episodes[e].profit, runs[1].episodes[e].profit) << e;
    EXPECT_EQ(runs[2].episodes[e].profit, runs[3].episodes[e].profit) << e;
  }
  EXPECT_NE(runs[0].episodes[0].profit, runs[2].episodes[0].profit);  // the pairs do differ
}

TEST(ClassicalHpa, RatePoliciesAreWrittenAsSingleKeysWhenTheyCan) {
  using T = hpa::ScalingPolicy::Type;
  const HpaConfig d;
  EXPECT_EQ(hpa_rate_keys("up", d.up_policies), "up_pods=4,up_percent=100,up_period=15");
  EXPECT_EQ(hpa_rate_keys("down", d.down_policies), "down_pods=0,down_percent=100,down_period=15");
  EXPECT_EQ(hpa_rate_keys("up", {{T::kPercent, 20, 60}, {T::kPods, 3, 30}}), "up_pods=3,up_percent=20,up_pods_period=30,up_percent_period=60");
  EXPECT_EQ(hpa_rate_keys("down", {{T::kPods, 1, 120}}), "down_pods=1,down_percent=0,down_period=120");
  const std::vector<hpa::ScalingPolicy> two{{T::kPods, 4, 60}, {T::kPods, 10, 600}, {T::kPercent, 100, 15}};
  EXPECT_EQ(hpa_single_rate_keys("up", two), std::nullopt);
  EXPECT_EQ(hpa_rate_keys("up", two), "up_policies=4pods/60+10pods/600+100pct/15");
  EXPECT_EQ(hpa_rate_keys("down", {{T::kPercent, 10, 60}, {T::kPercent, 50, 600}}), "down_policies=10pct/60+50pct/600");
  // What is written reads back as the same list, and as the same policy.
  const auto back = parse_hpa_rate_policies("t", "up_policies", hpa_rate_policies_text(two), 100000);
  ASSERT_EQ(back.size(), two.size());
  for (std::size_t i = 0; i < two.size(); ++i) {
    EXPECT_EQ(back[i].type, two[i].type);
    EXPECT_EQ(back[i].value, two[i].value);
    EXPECT_EQ(back[i].period_s, two[i].period_s);
  }
}

TEST(ClassicalHpa, TheListKeysRefuseMalformedEntriesAndTheSingleKeysBesideThem) {
  struct Row {
    std::string spec, message;
  };
  const std::vector<Row> rows = {
      {"hpa:up_policies=4pods/60,up_pods=2", "up_policies and up_pods both set the scale-up policies"},
      {"hpa:up_policies=4pods/60,up_percent_period=30", "up_policies and up_percent_period both"},
      {"hpa:down_policies=2pods/60,down_period=30", "down_policies and down_period both set the scale-down policies"},
      {"hpa:up_policies=4pods", "up_policies entry 1 '4pods': no '/PERIOD'"},
      {"hpa:up_policies=4pods/60+10pod/600", "up_policies entry 2 '10pod/600': expected a whole number then pods or pct"},
      {"hpa:up_policies=pods4/60", "up_policies entry 1 'pods4/60': expected a whole number"},
      {"hpa:up_policies=4pods/60+", "up_policies entry 2 '': no '/PERIOD'"},
      {"hpa:up_policies=0pods/60", "up_policies entry 1 '0pods/60': the value must be in [1, 100000]"},
      {"hpa:down_policies=150pct/15", "down_policies entry 1 '150pct/15': the value must be in [1, 100]"},
      {"hpa:up_policies=200pct/15+4pods/0", "up_policies entry 2 '4pods/0': the period must be whole seconds in [1, 1800]"},
      {"hpa:up_policies=4pods/60s", "up_policies entry 1 '4pods/60s': the period must be whole seconds"},
      {"hpa:down_policies=2pods/3600", "down_policies entry 1 '2pods/3600': the period"},
      {"hpa:up_policies=", "up_policies entry 1 '': empty list"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.spec);
    const std::string e = error_of(r.spec);
    EXPECT_NE(e.find("policy '" + r.spec + "'"), std::string::npos) << e;
    EXPECT_NE(e.find(r.message), std::string::npos) << e;
  }
  // Each direction's list is exclusive with that direction's single keys only.
  EXPECT_EQ(error_of("hpa:up_policies=4pods/60+10pods/600,down_pods=2,down_period=60,up_select=min"), "");
  // Both are known keys of hpa.
  EXPECT_NE(error_of("hpa:up_policy=4pods/60").find("up_policies"), std::string::npos);
}

}  // namespace
}  // namespace autoscale
