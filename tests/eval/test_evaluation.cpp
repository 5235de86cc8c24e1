// summarize (eval/evaluation): per-policy means, the oracle ratios, the best other policy (never an
// oracle for a policy that is not one) and the paired difference against it, on hand-made runs.
#include <gtest/gtest.h>

#include <vector>

#include "eval/evaluation.hpp"

namespace autoscale {
namespace {

PolicyRun run(const std::string& spec, PolicyKind kind, const std::vector<double>& profits, std::int64_t starts) {
  PolicyRun r;
  r.spec = spec;
  r.kind = kind;
  for (std::size_t i = 0; i < profits.size(); ++i) {
    EpisodeMetrics e(100 + i);
    e.profit = profits[i];
    e.minutes = 720;
    e.machine_starts = starts;
    e.revenue = profits[i] + 5;
    e.machine_cost = 5;
    r.episodes.push_back(e);
  }
  return r;
}

TEST(Summarize, MeansOracleRatiosAndTheBestOtherPolicy) {
  const auto s = summarize({run("hpa", PolicyKind::kClassical, {10, 20, 30}, 3),
                            run("ppo:m", PolicyKind::kLearned, {12, 25, 29}, 6),
                            run("oracle", PolicyKind::kOracle, {40, 41, 42}, 0)});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_DOUBLE_EQ(s[0].profit.mean, 20);
  EXPECT_DOUBLE_EQ(s[1].profit.mean, 22);
  EXPECT_DOUBLE_EQ(s[0].revenue, 25);
  EXPECT_DOUBLE_EQ(s[0].machine_cost, 5);
  // 3 starts in each 720-minute episode: 6 a day.
  EXPECT_DOUBLE_EQ(s[0].machine_starts_per_day, 6);
  ASSERT_TRUE(s[0].pct_of_oracle);
  EXPECT_DOUBLE_EQ(*s[0].pct_of_oracle, 100.0 * 20 / 41);
  EXPECT_FALSE(s[0].pct_of_oracle_load) << "no oracle-load was run";
  // The oracle earns most, but it is a bound: the classical policy's rival is the learned one.
  EXPECT_EQ(s[0].best_other, "ppo:m");
  EXPECT_DOUBLE_EQ(s[0].diff_vs_best_other.mean, (-2 - 5 + 1) / 3.0);
  EXPECT_EQ(s[1].best_other, "hpa");
  // An oracle is compared with everything, oracles included.
  EXPECT_EQ(s[2].best_other, "ppo:m");
  EXPECT_EQ(to_json(s)[1]["kind"], "learned");
  EXPECT_EQ(to_json(s)[2]["kind"], "oracle");
}

}  // namespace
}  // namespace autoscale
