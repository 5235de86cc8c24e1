#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "policies/step_scaling.hpp"
#include "policy_test_util.hpp"

namespace autoscale {
namespace {

using namespace autoscale::testing;

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

}  // namespace
}  // namespace autoscale
