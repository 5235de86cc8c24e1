// Env's mirror mode: reported minutes replace simulated ones, for the server's stateful API.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "env/env.hpp"
#include "scenario/scenario.hpp"
#include "service/fleet.hpp"

namespace autoscale {
namespace {

ReportedMinute reported_from(const Env& sim) {
  ReportedMinute m;
  m.load = sim.info().load;
  m.failed = sim.info().failed;
  m.active = sim.info().active;
  m.queue = sim.fleet().queue();
  m.clock = sim.info().clock;
  m.add = sim.info().add;
  m.remove = sim.info().remove;
  return m;
}

TEST(Fleet, AssignSetsActiveAndQueueAndKeepsTheRingOrder) {
  Fleet f(3, 10, 100);
  f.apply(2, 0);
  f.assign(7, {1, 0, 4});
  EXPECT_EQ(f.active(), 7);
  EXPECT_EQ(f.warming(), 5);
  EXPECT_EQ(f.queue(), (std::vector<int>{1, 0, 4}));
  f.apply(0, 0);  // the next-to-arrive slot arrives
  EXPECT_EQ(f.active(), 8);
  EXPECT_EQ(f.queue(), (std::vector<int>{0, 4, 0}));
}

// Fed what a simulated episode shows each minute (seed scenario, extended features, a busy
// policy), the mirror builds the very same observations, info and fleet.
TEST(EnvReported, MirrorsASimulatedEpisodeExactly) {
  for (const char* scenario : {"seed", "seed-weekly"}) {
    const Scenario s = resolve_scenario(scenario);
    Env sim(s.service, s.make_load(), FeatureSet::kExtended);
    Env mirror(s.service, s.make_load(), FeatureSet::kExtended);
    sim.reset(11);
    mirror.reset_reported(reported_from(sim));
    for (int minute = 1; minute <= 3000; ++minute) {
      ASSERT_EQ(std::vector<float>(mirror.observation().begin(), mirror.observation().end()),
                std::vector<float>(sim.observation().begin(), sim.observation().end()))
          << scenario << " minute " << minute - 1;
      const int fleet = sim.fleet().active() + sim.fleet().warming();
      const int want = static_cast<int>(sim.info().load / 250) + (minute % 37 == 0 ? 30 : 0);
      const Action a{std::max(0, want - fleet), std::max(0, fleet - want)};
      const StepResult r = sim.step(a);
      const StepResult m = mirror.step_reported(reported_from(sim));
      EXPECT_EQ(m.info.minute, r.info.minute);
      EXPECT_EQ(m.info.down, r.info.down);
      EXPECT_EQ(m.info.failed, r.info.failed);
      EXPECT_EQ(m.info.clock, r.info.clock);
      EXPECT_DOUBLE_EQ(m.reward, r.reward);
      EXPECT_EQ(mirror.fleet().queue(), sim.fleet().queue());
    }
  }
}

TEST(EnvReported, CapacityIsWhatWasServedWhenTransactionsFailed) {
  const Scenario s = resolve_scenario("seed");
  Env env = s.make_env();
  ReportedMinute m;
  m.load = 20000;
  m.failed = 500;
  m.active = 60;
  m.queue = {0, 0, 0, 0, 3};
  env.reset_reported(m);
  EXPECT_EQ(env.info().capacity, 19500);
  EXPECT_EQ(env.info().warming, 3);
  EXPECT_TRUE(env.info().down);  // 97.5% served < 99.5%
  m.failed = 0;
  env.step_reported(m);
  EXPECT_EQ(env.info().capacity, 20000);  // nominal 60 * 300 = 18000 < load: at least the load
  EXPECT_FALSE(env.info().down);
  m.failed = m.load + 1;
  EXPECT_THROW(env.step_reported(m), Error);
}

TEST(EnvReported, ClampIsStepsClamp) {
  const Scenario s = resolve_scenario("seed");
  const Env env = s.make_env();
  const Action a = env.clamp({25, -3});
  EXPECT_EQ(a.add, 10);
  EXPECT_EQ(a.remove, 0);
}

}  // namespace
}  // namespace autoscale
