#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include "core/error.hpp"
#include "eval/stats.hpp"
#include "eval/tiles.hpp"
#include "pipeline/gate.hpp"
#include "pipeline/trace_job.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {
namespace {

Scenario nasa_future() {
  return resolve_scenario(std::string(AUTOSCALE_SOURCE_DIR) + "/scenarios/nasa.toml#future");
}

// Tiles follow each other without gap or overlap, each replicate of a tile replays its window
// with its own seed, and the first episodes show different days.
TEST(Tiles, ConsecutiveScoredWindowsEachReplicated) {
  const Scenario f = nasa_future();
  const std::int64_t history = f.service.history_minutes, scored = f.service.episode_steps() - history;
  ASSERT_EQ(scored, 1440);
  const auto n = static_cast<std::int64_t>(f.load.series->tpm.size());
  const TiledEpisodes t = tile_episodes(f, history, n, 3, 100);
  EXPECT_EQ(t.tiles(), (n - history) / scored);
  ASSERT_EQ(t.plans.size(), static_cast<std::size_t>(3 * t.tiles()));
  for (int k = 0; k < t.tiles(); ++k) EXPECT_EQ(t.first_scored[static_cast<std::size_t>(k)], history + k * scored);
  for (std::size_t e = 0; e < t.plans.size(); ++e) {
    EXPECT_EQ(t.plans[e].seed, 100 + e);
    EXPECT_EQ(t.plans[e].trace_start, t.first_scored[static_cast<std::size_t>(t.tile[e])] - history);
    EXPECT_EQ(t.tile[e], static_cast<int>(e % static_cast<std::size_t>(t.tiles())));
  }
  // The last tile's window ends inside the series.
  EXPECT_LE(t.plans.back().trace_start + f.service.episode_steps(), n);
  EXPECT_THROW(tile_episodes(f, 0, n, 1, 0), Error);             // no history before minute 0
  EXPECT_THROW(tile_episodes(f, history, history + 100, 1, 0), Error);  // no whole tile
  EXPECT_THROW(tile_episodes(resolve_scenario("seed"), 0, 100, 1, 0), Error);
}

// The clustered interval averages replicates within a cluster and counts clusters, not episodes.
TEST(Stats, ClusteredPairedDifferenceCountsClusters) {
  const std::vector<double> a{3, 5, 10, 12}, b{1, 1, 1, 1};
  const std::vector<int> c{0, 0, 1, 1};
  const MeanCi d = clustered_paired_diff_ci(a, b, c);
  EXPECT_EQ(d.n, 2);
  EXPECT_DOUBLE_EQ(d.mean, 6.5);  // cluster means 3 and 10
  EXPECT_NEAR(d.sd, std::sqrt(24.5), 1e-12);
  EXPECT_NEAR(d.half_width, 12.706 * std::sqrt(24.5) / std::sqrt(2.0), 1e-9);
  // Equal cluster sizes: the same mean as over episodes, a wider interval than pretending the
  // four episodes were independent.
  EXPECT_GT(d.half_width, paired_diff_ci(a, b).half_width);
  EXPECT_THROW(clustered_paired_diff_ci(a, b, std::vector<int>{0, 1}), Error);
}

// The block bootstrap resamples days: its interval lies within the days' range, shrinks to the
// mean when every day agrees, and one outlier day among positive days does not drag its lower
// end below zero the way it widens the t interval.
TEST(Stats, DayBootstrapIsAPercentileIntervalOverClusters) {
  std::vector<double> a, b;
  std::vector<int> c;
  const std::vector<double> day_diffs{40, 14, 34, 4042, 188, 214, 295, 36, 30, 25, 134, 175};
  for (std::size_t d = 0; d < day_diffs.size(); ++d) {
    for (int r = 0; r < 3; ++r) {
      a.push_back(100 + day_diffs[d] + (r - 1));
      b.push_back(100);
      c.push_back(static_cast<int>(d));
    }
  }
  const Interval boot = cluster_bootstrap_diff_ci(a, b, c);
  const MeanCi t = clustered_paired_diff_ci(a, b, c);
  EXPECT_GT(boot.lo, 0);
  EXPECT_LT(t.lo(), 0);
  EXPECT_LE(boot.lo, t.mean);
  EXPECT_GE(boot.hi, t.mean);
  EXPECT_GE(boot.lo, 14);
  EXPECT_LE(boot.hi, 4042);
  const Interval again = cluster_bootstrap_diff_ci(a, b, c);
  EXPECT_EQ(boot.lo, again.lo);
  const std::vector<double> same(6, 5), zero(6, 0);
  const Interval flat = cluster_bootstrap_diff_ci(same, zero, std::vector<int>{0, 0, 1, 1, 2, 2});
  EXPECT_DOUBLE_EQ(flat.lo, 5);
  EXPECT_DOUBLE_EQ(flat.hi, 5);
}

PolicySummary summary(const std::string& spec, std::vector<double> profits) {
  PolicySummary s;
  s.spec = spec;
  s.profits = std::move(profits);
  s.profit = mean_ci(s.profits);
  return s;
}

// The gate deploys the learned policy only when the whole interval over held-out days is above
// zero; a mean above zero is not enough, nor a single day.
TEST(Gate, DeploysTheLearnedPolicyOnlyWithConfidence) {
  TiledEpisodes days;
  days.first_scored = {0, 1440, 2880};
  days.tile = {0, 1, 2, 0, 1, 2};
  const PolicySummary base = summary("hpa", {100, 100, 100, 100, 100, 100});
  struct Row {
    const char* name;
    std::vector<double> learned;
    bool deploy;
  };
  for (const Row& r : std::vector<Row>{
           {"better every day", {110, 112, 109, 111, 110, 112}, true},
           {"better on average, one bad day", {160, 160, 60, 160, 160, 60}, false},
           {"worse", {90, 95, 92, 91, 94, 93}, false},
       }) {
    SCOPED_TRACE(r.name);
    const pipeline::GateDecision g = pipeline::decide_gate(summary("ppo:x", r.learned), base, days, "day");
    EXPECT_EQ(g.deploy_learned, r.deploy);
    EXPECT_EQ(g.days, 3);
    EXPECT_EQ(g.deploy_learned, g.diff.lo() > 0);
    EXPECT_THAT(g.reason, ::testing::HasSubstr("3 held-out days"));
    EXPECT_THAT(g.reason, ::testing::HasSubstr(r.deploy ? "beat hpa" : "the classical policy is deployed"));
  }
  TiledEpisodes one;
  one.first_scored = {0};
  one.tile = {0, 0};
  EXPECT_FALSE(pipeline::decide_gate(summary("ppo:x", {500, 500}), summary("hpa", {1, 1}), one, "day").deploy_learned);
}

// The smallest trace run accepts: a training episode and a held-out day in the past, a day of
// future; one minute less is refused.
TEST(TraceJob, MinimumTraceHoldsAnEpisodeAHeldOutDayAndAFutureDay) {
  const std::int64_t n = pipeline::minimum_trace_minutes(0.75, 1440, 1440, 0.25);
  const auto past = [](std::int64_t m) { return static_cast<std::int64_t>(0.75 * static_cast<double>(m)); };
  EXPECT_GE(past(n) - 1440, 1440 + 1440);
  EXPECT_GE(n - past(n), 1440);
  EXPECT_TRUE(past(n - 1) - 1440 < 2880 || n - 1 - past(n - 1) < 1440);
  EXPECT_LE(n, 7200);  // a five-day trace is long enough
}

}  // namespace
}  // namespace autoscale
