#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "policies/predictive.hpp"
#include "policy_test_util.hpp"

namespace autoscale {
namespace {

using namespace autoscale::testing;

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

}  // namespace
}  // namespace autoscale
