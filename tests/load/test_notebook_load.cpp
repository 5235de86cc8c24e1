#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/rng.hpp"
#include "load/load_stats.hpp"
#include "load/notebook_load.hpp"
#include "load/weekly_load.hpp"

namespace autoscale {
namespace {

// The spec's acceptance rule: over n >= 300 episodes of 10,001 minutes, each statistic's mean lies
// within the reference mean +- 4 * std / sqrt(n).
TEST(NotebookLoad, StatisticsAgreeWithTheReferenceImplementation) {
  std::ifstream in(std::string(AUTOSCALE_SOURCE_DIR) + "/data/reference/seed-load-stats.json");
  ASSERT_TRUE(in) << "data/reference/seed-load-stats.json is missing";
  const auto ref = nlohmann::json::parse(in);
  const int n = 300;
  const int minutes = ref["minutes_per_episode"].get<int>();
  NotebookLoad load;
  std::vector<double> series(static_cast<std::size_t>(minutes));
  std::vector<std::vector<std::pair<std::string, double>>> per_episode;
  for (int e = 0; e < n; ++e) {
    load.reset(stream_seed(static_cast<std::uint64_t>(e), Stream::kLoad));
    std::int64_t spikes = 0;
    for (auto& v : series) {
      v = static_cast<double>(load.next());
      spikes += load.spike_started();
    }
    per_episode.push_back(named(load_stats(series, spikes)));
  }
  for (std::size_t k = 0; k < per_episode[0].size(); ++k) {
    const std::string& name = per_episode[0][k].first;
    double mean = 0;
    for (const auto& ep : per_episode) mean += ep[k].second;
    mean /= n;
    const double ref_mean = ref["stats"][name]["mean"].get<double>();
    const double tol = 4 * ref["stats"][name]["std"].get<double>() / std::sqrt(double(n));
    EXPECT_NEAR(mean, ref_mean, tol) << name;
    RecordProperty(name, std::to_string(mean));
  }
}

TEST(NotebookLoad, SameSeedSameSeriesOtherSeedOtherSeries) {
  NotebookLoad a, b, c;
  a.reset(7);
  b.reset(7);
  c.reset(8);
  int differ = 0;
  for (int m = 0; m < 5000; ++m) {
    const auto x = a.next();
    ASSERT_EQ(x, b.next());
    differ += x != c.next();
  }
  EXPECT_EQ(a.minute(), 5000);
  EXPECT_GT(differ, 4900);
}

// The daily cycle of a NotebookLoad episode in closed form, its parameters recovered by drawing them
// from the same stream in the same order as NotebookLoad::reset.
struct NoiselessCycle {
  NoiselessCycle(const NotebookLoadParams& p, std::uint64_t seed) {
    Rng r(seed);
    cmin = r.uniform(p.cyclic_min_lo, p.cyclic_min_hi);
    cmax = cmin + r.uniform(p.cyclic_span_lo, p.cyclic_span_hi);
    r.uniform(p.noise_lo, p.noise_hi);
    cphase = r.uniform(-M_PI, M_PI);
    lf_amp = r.uniform(p.lf_amp_lo, p.lf_amp_hi);
    lf_period = r.uniform(p.lf_period_lo, p.lf_period_hi);
    lf_phase = r.uniform(-M_PI, M_PI);
  }
  double at(int minute) const {
    const double phase = minute / 720.0 * M_PI + cphase;
    const double c = (cmin + cmax) / 2 + (cmax - cmin) / 2 * std::sin(phase);
    return c * (1 + std::sin(phase / lf_period + lf_phase) * lf_amp);
  }
  double cmin, cmax, cphase, lf_amp, lf_period, lf_phase;
};

TEST(NotebookLoad, RotatedPhasesMatchExactSinesOverALongEpisode) {
  // The rotation recurrence is re-anchored every 1024 minutes; with noise and spikes switched off
  // the load must equal the closed form to within truncation.
  NotebookLoadParams p;
  p.noise_lo = p.noise_hi = 0;
  p.spike_until_lo = p.spike_until_hi = 1e9;
  NotebookLoad l(p);
  l.reset(5);
  const NoiselessCycle cycle(p, 5);
  for (int m = 1; m <= 20000; ++m) {
    const double c = cycle.at(m);
    const auto got = l.next();
    ASSERT_NEAR(static_cast<double>(got), std::trunc(c), 1.0) << "minute " << m;
  }
}

TEST(NotebookLoad, SpikesDecayLinearlyEndWithADipAndRedraw) {
  // Noise off and a fixed spike (until 10.5 minutes, width 5 + e^ln(10) = 15, height 0.15 cyclic_max):
  // the spike term is 0 for minutes 1..10, height * (1 + until / 15) from minute 11 (until = -0.5)
  // to 25, the negative dip height * (1 - 15.5 / 15) at minute 26, then the next spike 10.5 minutes on.
  NotebookLoadParams p;
  p.noise_lo = p.noise_hi = 0;
  p.spike_until_lo = p.spike_until_hi = 10.5;
  p.spike_width_mu = std::log(10.0);
  p.spike_width_sigma = 0;
  p.spike_height_lo = p.spike_height_hi = 0.15;
  NotebookLoad l(p);
  l.reset(9);
  const NoiselessCycle cycle(p, 9);
  const double height = 0.15 * cycle.cmax;
  double until = 10.5;
  int starts = 0;
  for (int m = 1; m <= 60; ++m) {
    const double c = cycle.at(m);
    until -= 1;
    double spike = until > 0 ? 0 : height * (1 + until / 15);
    if (spike < 0) until = 10.5;
    const auto got = l.next();
    starts += l.spike_started();
    ASSERT_NEAR(static_cast<double>(got), std::trunc(c + spike), 1.0) << "minute " << m;
    if (m == 26) {
      EXPECT_LT(c + spike, c) << "the dip at the end of a spike";
    }
  }
  EXPECT_EQ(starts, 2);  // minutes 11 and 37 (the second spike is drawn at its predecessor's dip, minute 26)
}

TEST(WeeklyLoad, WeekendIsLowerAndRampsAreContinuous) {
  WeeklyLoad w({}, {0.6, 180});
  EXPECT_DOUBLE_EQ(w.factor(0), 1.0);
  EXPECT_DOUBLE_EQ(w.factor(3 * 1440), 1.0);
  EXPECT_DOUBLE_EQ(w.factor(6 * 1440), 0.6);
  EXPECT_NEAR(w.factor(5 * 1440 + 90), 0.8, 1e-12);
  EXPECT_NEAR(w.factor(7 * 1440 - 90), 0.8, 1e-12);
  for (double m = 0; m < 7 * 1440; m += 1) ASSERT_LE(std::abs(w.factor(m + 1) - w.factor(m)), 0.4 / 180 + 1e-12);
}

TEST(WeeklyLoad, WeekendLoadIsAboutFactorTimesWeekday) {
  WeeklyLoad w({}, {0.5, 60});
  NotebookLoad s;
  double ratio_sum = 0;
  int n = 0;
  for (std::uint64_t e = 0; e < 50; ++e) {
    w.reset(e);
    s.reset(e);
    for (int m = 0; m < 10080; ++m) {
      const double wl = static_cast<double>(w.next()), sl = static_cast<double>(s.next());
      if (sl > 0) {
        ratio_sum += wl / sl;
        ++n;
      }
    }
  }
  // Two of seven days at 0.5 (minus ramps): mean ratio about 1 - 2/7 * 0.5.
  EXPECT_NEAR(ratio_sum / n, 1 - 2.0 / 7 * 0.5, 0.01);
}

}  // namespace
}  // namespace autoscale
