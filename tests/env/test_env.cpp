#include <gtest/gtest.h>

#include <cmath>

#include "env/env.hpp"
#include "scenario/scenario.hpp"
#include "scripted_load.hpp"
#include "service/outcome.hpp"

namespace autoscale {
namespace {

using testing::ScriptedLoad;

ServiceParams exact_params() {
  ServiceParams p;
  p.tpm_sigma = 0;  // capacity = active * 300 exactly
  p.initial_machines = 10;
  p.max_time_steps = 20;
  return p;
}

TEST(Env, StepOrderRemoveThenArriveThenQueue) {
  Env env(exact_params(), std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{1000}));
  env.reset(1);
  // Order 3 at minute 1: it arrives at the start of minute 6 (warmup_latency = 5).
  auto r = env.step({3, 0});
  EXPECT_EQ(r.info.active, 10);
  EXPECT_EQ(r.info.warming, 3);
  EXPECT_EQ(env.fleet().queue(), (std::vector<int>{0, 0, 0, 0, 3}));
  for (int m = 2; m <= 5; ++m) {
    r = env.step({0, 0});
    EXPECT_EQ(r.info.active, 10) << "minute " << m;
  }
  EXPECT_EQ(env.fleet().queue(), (std::vector<int>{3, 0, 0, 0, 0}));
  // Minute 6: remove 2 first, then the 3 arrive: 10 - 2 + 3.
  r = env.step({1, 2});
  EXPECT_EQ(r.info.active, 11);
  EXPECT_EQ(r.info.warming, 1);
  EXPECT_EQ(r.info.minute, 6);
}

TEST(Env, RemoveNeverGoesBelowZeroAndActionsAreClamped) {
  ServiceParams p = exact_params();
  p.initial_machines = 4;
  Env env(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{100}));
  env.reset(0);
  auto r = env.step({99, 99});  // clamped to (10, 10)
  EXPECT_EQ(r.info.add, 10);
  EXPECT_EQ(r.info.remove, 10);
  EXPECT_EQ(r.info.active, 0);
  EXPECT_EQ(r.info.warming, 10);
  r = env.step({-5, -5});
  EXPECT_EQ(r.info.add, 0);
  EXPECT_EQ(r.info.remove, 0);
}

TEST(Env, ArrivalsAreCappedAtMaxMachines) {
  ServiceParams p = exact_params();
  p.max_tpm = 1200;  // max_machines = int(2.5 * 1200 / 300) = 10
  p.initial_machines = 8;
  Env env(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{100}));
  env.reset(0);
  env.step({5, 0});
  for (int i = 0; i < 4; ++i) env.step({});
  EXPECT_EQ(env.step({}).info.active, 10);
}

TEST(Env, RewardOnHandComputedMinutes) {
  // 10 machines at exactly 300 tpm = 3000 capacity.
  Env env(exact_params(), std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{2000, 3010, 3000}));
  env.reset(0);
  auto r = env.step({});
  EXPECT_EQ(r.info.capacity, 3000);
  EXPECT_EQ(r.info.failed, 0);
  EXPECT_FALSE(r.info.down);
  EXPECT_NEAR(r.reward, 2000 * 0.9 / 1000 - 10 * 0.05, 1e-12);  // 1.3
  r = env.step({});
  // 10 of 3010 fail: 99.668% served >= 99.5%: not down.
  EXPECT_EQ(r.info.failed, 10);
  EXPECT_FALSE(r.info.down);
  EXPECT_NEAR(r.reward, 3000 * 0.9 / 1000 - 0.5, 1e-12);
  ServiceParams p = exact_params();
  p.initial_machines = 1;
  Env small(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{1000}));
  small.reset(0);
  r = small.step({});
  EXPECT_EQ(r.info.failed, 700);
  EXPECT_TRUE(r.info.down);
  EXPECT_NEAR(r.reward, 300 * 0.9 / 1000 - 200 - 0.05, 1e-12);
}

// Billed warm-up: a machine costs from the minute it is ordered, while it warms (5 minutes) and
// then while it serves; the seed's model (false) bills serving machines only.
TEST(Env, WarmupBilledChargesMachinesFromTheirOrder) {
  for (const bool billed : {false, true}) {
    SCOPED_TRACE(billed);
    ServiceParams p = exact_params();
    p.warmup_billed = billed;
    Env env(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{2000}));
    env.reset(0);
    const double served = 2000 * 0.9 / 1000;
    auto r = env.step({3, 0});  // ordered now: 3 warming
    EXPECT_NEAR(r.reward, served - (10 + (billed ? 3 : 0)) * 0.05, 1e-12);
    for (int m = 2; m <= 5; ++m) {
      r = env.step({});
      EXPECT_NEAR(r.reward, served - (10 + (billed ? 3 : 0)) * 0.05, 1e-12) << m;
    }
    r = env.step({});  // minute 6: they serve
    EXPECT_EQ(r.info.active, 13);
    EXPECT_NEAR(r.reward, served - 13 * 0.05, 1e-12);
  }
}

TEST(Env, DowntimeThresholdIsStrict) {
  ServiceParams p;
  // Exactly 99.5% served is not down; just below is.
  EXPECT_FALSE(is_down(p, 1000, 995));
  EXPECT_TRUE(is_down(p, 1000, 994));
  // Zero load counts as down (the seed's 1e-20 guard makes 0/0 -> 0%).
  EXPECT_TRUE(is_down(p, 0, 0));
}

TEST(Env, ObservationLayoutAndEmas) {
  Env env(exact_params(), std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{5000}));
  auto obs = env.reset(0);
  ASSERT_EQ(obs.size(), 25u);
  const double act0 = 10.0 / 833;
  // At reset: load 0, failed 0, down 1 (zero load), active 10/833; every EMA is alpha * signal.
  const double alphas[5] = {1, 0.1, 0.01, 0.001, 0.0001};
  for (int k = 0; k < 5; ++k) {
    EXPECT_FLOAT_EQ(obs[4 * k + 0], 0.0f);
    EXPECT_FLOAT_EQ(obs[4 * k + 1], 0.0f);
    EXPECT_FLOAT_EQ(obs[4 * k + 2], static_cast<float>(alphas[k]));
    EXPECT_FLOAT_EQ(obs[4 * k + 3], static_cast<float>(alphas[k] * act0));
  }
  auto r = env.step({7, 0});
  // load 5000 > capacity 3000: failed 2000, down.
  const double sig[4] = {5000 / 100000.0, 2000 / (5000 + 1e-5), 1.0, act0};
  const double prev[4] = {0, 0, 1, act0};
  for (int k = 0; k < 5; ++k) {
    for (int s = 0; s < 4; ++s) {
      const double e0 = alphas[k] * prev[s];
      const double e1 = e0 * (1 - alphas[k]) + alphas[k] * sig[s];
      EXPECT_NEAR(r.observation[4 * k + s], e1, 1e-6) << "alpha " << alphas[k] << " signal " << s;
    }
  }
  // Queue slots, next-to-arrive first, divided by max_machine_delta.
  EXPECT_FLOAT_EQ(r.observation[20], 0.0f);
  EXPECT_FLOAT_EQ(r.observation[24], 0.7f);
}

TEST(Env, EpisodeIsTruncatedAfterMaxTimeStepsPlusOne) {
  Scenario s = resolve_scenario("seed");
  Env env = s.make_env();
  env.reset(3);
  std::int64_t steps = 0;
  for (;;) {
    auto r = env.step({});
    ++steps;
    EXPECT_FALSE(r.terminated);
    if (r.truncated) break;
  }
  EXPECT_EQ(steps, 10001);
}

TEST(Env, SameSeedSameEpisodeAndLoadIndependentOfActions) {
  Scenario s = resolve_scenario("seed");
  Env a = s.make_env(), b = s.make_env();
  a.reset(42);
  b.reset(42);
  for (int m = 0; m < 3000; ++m) {
    const auto ra = a.step({m % 3, m % 2});
    const auto rb = b.step({(m * 7) % 11, (m * 5) % 11});
    ASSERT_EQ(ra.info.load, rb.info.load) << "minute " << m;
    // The capacity draw per machine is shared too: capacity / active agrees to truncation.
    if (ra.info.active > 0 && rb.info.active > 0) {
      const double za = (static_cast<double>(ra.info.capacity) / ra.info.active);
      const double zb = (static_cast<double>(rb.info.capacity) / rb.info.active);
      ASSERT_NEAR(za, zb, 1.0) << "minute " << m;
    }
  }
  Env c = s.make_env();
  c.reset(43);
  Env d = s.make_env();
  d.reset(42);
  bool differs = false;
  for (int m = 0; m < 100; ++m) differs |= c.step({}).info.load != d.step({}).info.load;
  EXPECT_TRUE(differs);
}

TEST(Env, CapacityStreamReplaysTheEnvironmentsDraws) {
  ServiceParams p;
  p.initial_machines = 100;
  Env env(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{1}));
  env.reset(9);
  CapacityStream cs(9);
  EXPECT_EQ(env.info().capacity, fleet_capacity(p, 100, cs.next()));
  for (int m = 0; m < 50; ++m) {
    const auto r = env.step({});
    EXPECT_EQ(r.info.capacity, fleet_capacity(p, r.info.active, cs.next()));
  }
}

}  // namespace
}  // namespace autoscale
