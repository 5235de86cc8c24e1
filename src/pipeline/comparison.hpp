#pragma once
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/stats.hpp"

namespace autoscale::pipeline {

// One policy against another on the same episodes, paired: the mean difference with two
// intervals, over episodes (as `evaluate` reports) and over clusters of episodes that share their
// traffic (the days of a trace, each replayed several times: the honest one, since days, not
// replicates, are what a next week brings anew) both as a t interval and as a block bootstrap
// over days, how many episodes it wins and its worst one.
struct Comparison {
  std::string policy, against;
  MeanCi by_cluster, by_episode;
  Interval bootstrap;  // percentile interval of a bootstrap over clusters (cluster_bootstrap_diff_ci)
  int wins = 0, episodes = 0;
  double worst_episode_diff = 0;
};

Comparison compare(const std::string& policy, std::span<const double> a, const std::string& against,
                   std::span<const double> b, std::span<const int> clusters);
// Percent of the gap between `against` and a bound that the comparison's mean closes; nullopt
// where the bound does not lie above `against`.
std::optional<double> gap_closed_pct(const Comparison& c, double against_mean, double bound_mean);
nlohmann::json to_json(const Comparison& c);
// "+34 [+13, +56] per day (12 days), wins 51 of 60 episodes, worst episode -202"
std::string describe(const Comparison& c, const std::string& unit);

}  // namespace autoscale::pipeline
