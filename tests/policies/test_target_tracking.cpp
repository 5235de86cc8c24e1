#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "policies/target_tracking.hpp"
#include "policy_test_util.hpp"

namespace autoscale {
namespace {

using namespace autoscale::testing;

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

}  // namespace
}  // namespace autoscale
