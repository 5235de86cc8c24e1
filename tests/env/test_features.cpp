// The observation builders of env/features: the shared load history every controller uses
// (reference level, recent loads, volatility) and the scale-free feature set.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "env/env.hpp"
#include "env/features.hpp"
#include "scripted_load.hpp"

namespace autoscale {
namespace {

using testing::ScriptedLoad;
using testing::drive;

// The extended set, the default's, on three hand-computed minutes: 3000, 3600, 3600 tpm at 300 tpm
// per machine (need 10, 12, 12 machines), 20 active machines, none warming.
TEST(Features, ExtendedSetValuesByHand) {
  ServiceParams p;
  p.tpm_sigma = 0;
  p.initial_machines = 20;
  Env env(p, std::make_unique<autoscale::testing::ScriptedLoad>(std::vector<std::int64_t>{3000, 3600, 3600}));
  Features f(p, FeatureSet::kExtended);
  ASSERT_EQ(f.dim(), 20 + p.warmup_latency + kExtraFeatures);
  const auto extra = [&] {
    const auto v = f.values();
    return std::vector<double>(v.end() - kExtraFeatures, v.end());
  };
  struct Minute {
    std::vector<double> x;  // need/100, active/100, warming/10, fleet/need, delta/10, (fast-slow)/10,
                            // (slow-base)/10, vol, peak/100, (need-base)/10, since jump/1000, jump/10,
                            // yesterday's +6 and +60 minute moves (0 in the first day)
  };
  // Minute 1 seeds the averages at 10; no jump yet (2000 + 1 minutes, capped at 2000).
  // Minute 2: +2 machines > max(4 vol, 1) is a jump; fast 10.6, slow 10.06, base 10.006, vol 0.1.
  // Minute 3: no change; fast 11.02, slow 10.1182, base 10.011982, vol 0.095, 1 minute since the jump.
  const std::vector<Minute> want = {
      {{0.10, 0.2, 0, 2.0, 0, 0, 0, 0, 0.10, 0, 2.0, 0, 0, 0}},
      {{0.12, 0.2, 0, 20.0 / 12, 0.2, 0.054, 0.0054, 0.1, 0.12, 0.1994, 0, 0.2, 0, 0}},
      {{0.12, 0.2, 0, 20.0 / 12, 0, 0.09018, 0.0106218, 0.095, 0.12, 0.1988018, 0.001, 0.2, 0, 0}},
  };
  env.reset(0);
  f.reset();
  f.update(env.info(), env.fleet());
  for (std::size_t m = 0; m < want.size(); ++m) {
    env.step({});
    f.update(env.info(), env.fleet());
    const auto got = extra();
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[m].x[i], 1e-5) << "minute " << m + 1 << ", feature " << i;
  }
}

TEST(Features, RecentMaxAndVolatilitySkipZeroLoadGaps) {
  ServiceParams p;
  Env env(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{100, 400, 200, 0, 0, 0, 300}));
  Features f(p, FeatureSet::kNotebook);
  drive(env, f, 3);
  EXPECT_DOUBLE_EQ(f.recent_max(1), 200);
  EXPECT_DOUBLE_EQ(f.recent_max(2), 400);
  // |400 - 100| then |200 - 400|, each moving the average 5 % of the way.
  EXPECT_NEAR(f.volatility(), 0.05 * 200 + 0.95 * (0.05 * 300), 1e-9);
  const double before = f.volatility();
  for (int m = 0; m < 3; ++m) {  // three minutes with no load: a gap, not a fall to zero
    env.step({});
    f.update(env.info(), env.fleet());
  }
  EXPECT_DOUBLE_EQ(f.recent_max(1), 200);
  EXPECT_DOUBLE_EQ(f.volatility(), before);
  EXPECT_NEAR(f.reference_level(), 400 * (1 - 1.0 / 4320), 1e-9);  // the peak decays once, at the 200
}

// The same service in units ten times larger (ten times the load, machines ten times bigger) looks
// the same to a model on scaled features: that is what lets one model serve services of any size.
TEST(Features, ScaledSetIsTheSameForAServiceInLargerUnits) {
  std::vector<std::int64_t> small, large;
  for (int m = 0; m < 3000; ++m) {
    const auto v = static_cast<std::int64_t>(3000 + 1500 * std::sin(m / 229.0) + (m % 97 == 0 ? 2000 : 0) + (m * 37) % 113);
    small.push_back(v);
    large.push_back(10 * v);
  }
  ServiceParams ps, pl;
  pl.tpm_per_machine = 10 * ps.tpm_per_machine;
  pl.max_tpm = 10 * ps.max_tpm;
  Env es(ps, std::make_unique<ScriptedLoad>(small), FeatureSet::kScaled);
  Env el(pl, std::make_unique<ScriptedLoad>(large), FeatureSet::kScaled);
  es.reset(1);
  el.reset(1);
  for (int m = 0; m < 3000; ++m) {
    const Action a{m % 50 == 0 ? 3 : 0, m % 70 == 0 ? 2 : 0};
    const auto os = es.step(a).observation, ol = el.step(a).observation;
    ASSERT_EQ(os.size(), ol.size());
    for (std::size_t i = 0; i < os.size(); ++i) ASSERT_NEAR(os[i], ol[i], 1e-4 * (1 + std::abs(os[i]))) << "feature " << i << " minute " << m;
  }
}

TEST(Features, ScaledSetCarriesTheWallClockWhenThereIsOne) {
  ServiceParams p;
  Features f(p, FeatureSet::kScaled);
  Fleet fleet(p.warmup_latency, 10, p.max_machines());
  StepInfo info;
  info.minute = 1;
  info.load = 1000;
  info.clock = 4 * 86400 + 6 * 3600;  // Monday 1970-01-05 06:00 UTC
  f.update(info, fleet);
  const auto v = f.values();
  const std::size_t clock = v.size() - 5;  // has_clock, day sin, day cos, week sin, week cos
  EXPECT_EQ(v[clock], 1.0f);
  EXPECT_NEAR(v[clock + 1], 1.0, 1e-6);  // a quarter of the day: sin = 1
  EXPECT_NEAR(v[clock + 2], 0.0, 1e-6);
  EXPECT_NEAR(v[clock + 3], std::sin(2 * M_PI * 0.25 / 7), 1e-6);  // Monday 06:00 of a week from Monday
  info.clock = kNoClock;
  Features g(p, FeatureSet::kScaled);
  g.update(info, fleet);
  EXPECT_EQ(g.values()[clock], 0.0f);
}

}  // namespace
}  // namespace autoscale
