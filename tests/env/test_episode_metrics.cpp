#include <gtest/gtest.h>

#include "env/episode_metrics.hpp"
#include "scripted_load.hpp"

namespace autoscale {
namespace {

using testing::ScriptedLoad;

// Four hand-computed minutes with 3 machines of exactly 300 tpm (demand = ceil(load / 300)):
//   minute  load  demand  supply  served  down
//   1        600     2      3      600    no   (2 machines ordered: billed while warming when asked)
//   2        900     3      3      900    no
//   3       1200     4      3      900    yes  (75 % served)
//   4        300     1      2      300    no   (one removed before the minute)
TEST(EpisodeMetrics, ProfitPartsAndSpecElasticityOnHandComputedMinutes) {
  for (const bool billed : {false, true}) {
    SCOPED_TRACE(billed);
    ServiceParams p;
    p.tpm_sigma = 0;
    p.initial_machines = 3;
    p.max_time_steps = 4;
    p.warmup_billed = billed;
    Env env(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{600, 900, 1200, 300}));
    env.reset(0);
    EpisodeMetrics m(0);
    for (const Action a : {Action{2, 0}, Action{}, Action{}, Action{0, 1}}) m.add(env.step(a).info, p);
    m.finish();
    EXPECT_NEAR(m.revenue, 2700 * 0.9 / 1000, 1e-12);
    EXPECT_NEAR(m.machine_cost, (3 + 3 + 3 + 2 + (billed ? 4 * 2 : 0)) * 0.05, 1e-12);
    EXPECT_NEAR(m.downtime_penalty, 200, 1e-12);
    EXPECT_NEAR(m.profit, m.revenue - m.machine_cost - m.downtime_penalty, 1e-9);
    EXPECT_EQ(m.machine_starts, 2);
    EXPECT_NEAR(m.elasticity.under_accuracy, 100.0 / 4 * (1.0 / 4), 1e-9);          // minute 3
    EXPECT_NEAR(m.elasticity.over_accuracy, 100.0 / 4 * (1.0 / 2 + 1.0 / 1), 1e-9);  // minutes 1 and 4
    EXPECT_NEAR(m.elasticity.under_timeshare, 25, 1e-9);
    EXPECT_NEAR(m.elasticity.over_timeshare, 50, 1e-9);
    // Demand moves up, up, down; supply stays, stays, goes down: 2 of 3 steps disagree.
    EXPECT_NEAR(m.elasticity.instability, 100.0 * 2 / 3, 1e-9);
  }
}

// Unscored history minutes count in none of it, the instability's first step included.
TEST(EpisodeMetrics, HistoryMinutesAreNotCounted) {
  ServiceParams p;
  p.tpm_sigma = 0;
  p.initial_machines = 3;
  p.max_time_steps = 3;
  p.history_minutes = 1;
  Env env(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{3000, 600, 600}));
  env.reset(0);
  EpisodeMetrics m(0);
  for (int i = 0; i < 3; ++i) m.add(env.step({}).info, p);
  m.finish();
  EXPECT_EQ(m.minutes, 2);
  EXPECT_EQ(m.downtime_minutes, 0);
  EXPECT_NEAR(m.downtime_penalty, 0, 1e-12);
  EXPECT_NEAR(m.elasticity.instability, 0, 1e-12);  // 600 -> 600 with 3 -> 3
  EXPECT_NEAR(m.elasticity.over_timeshare, 100, 1e-12);
}

}  // namespace
}  // namespace autoscale
