// autoscale tune (eval/tune): a search that reports the best of what it tried, on one scenario or
// a mix, and widens a box whose edge holds the best value.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "eval/tune.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {
namespace {

// A flat 3,000-tpm service where machines cost next to nothing and downtime a lot: the more
// headroom the better, far past the registry's box for the factor (1 to 2.5).
Scenario flat_cheap_machines() {
  const auto dir = std::filesystem::temp_directory_path() / ("autoscale_tune_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream csv(dir / "flat.csv");
    csv << "requests\n";
    for (int m = 0; m < 3000; ++m) csv << 3000 << "\n";
  }
  return parse_scenario_toml("[service]\nmachine_cost = 0.00001\nmax_time_steps = 999\ntpm_sigma = 60\n"
                             "[load]\nkind = \"trace\"\npath = \"flat.csv\"\n",
                             "flat.toml", dir);
}

double factor_of(const std::string& spec) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(spec, m, std::regex("factor=([0-9.]+)"))) << spec;
  return std::stod(m[1]);
}

TEST(Tune, WidensABoxWhoseEdgeHoldsTheBest) {
  TuneOptions o;
  o.policy = "headroom";
  o.episodes = 2;
  o.budget = 40;
  o.threads = 2;
  const TuneResult r = tune_policy(flat_cheap_machines(), o);
  ASSERT_FALSE(r.widened.empty());
  EXPECT_NE(r.widened.front().find("box widened"), std::string::npos) << r.widened.front();
  EXPECT_GT(factor_of(r.best.spec), 2.5) << r.best.spec;
  // The best reported is the best tried.
  for (const auto& t : r.trials) EXPECT_LE(t.mean_profit, r.best.mean_profit);
}

// On a mix, each candidate's profit is the mean over the episodes of every scenario.
TEST(Tune, MixAveragesOverTheScenariosEpisodes) {
  TuneOptions o;
  o.policy = "headroom";
  o.episodes = 2;
  o.budget = 3;
  o.threads = 2;
  Scenario a = resolve_scenario("seed");
  a.set_episode_minutes(500);
  Scenario b = flat_cheap_machines();
  const TuneResult alone_a = tune_policy(a, o), alone_b = tune_policy(b, o);
  o.episodes = 4;  // two of each
  const TuneResult mixed = tune_policy(std::vector<WeightedScenario>{{a, 1}, {b, 1}}, o);
  ASSERT_EQ(mixed.trials.size(), alone_a.trials.size());
  // The defaults come first in every search: their mixed profit is the mean of the two.
  EXPECT_NEAR(mixed.trials[0].mean_profit, (alone_a.trials[0].mean_profit + alone_b.trials[0].mean_profit) / 2, 1e-6);
}

}  // namespace
}  // namespace autoscale
