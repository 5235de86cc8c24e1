#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "policies/headroom.hpp"
#include "policy_test_util.hpp"

namespace autoscale {
namespace {

using namespace autoscale::testing;

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

}  // namespace
}  // namespace autoscale
