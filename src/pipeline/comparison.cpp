#include "pipeline/comparison.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace autoscale::pipeline {
namespace {

nlohmann::json interval(const MeanCi& m) {
  return m.has_interval() ? nlohmann::json::array({m.lo(), m.hi()}) : nlohmann::json();
}

}  // namespace

Comparison compare(const std::string& policy, std::span<const double> a, const std::string& against,
                   std::span<const double> b, std::span<const int> clusters) {
  Comparison c;
  c.policy = policy;
  c.against = against;
  c.by_cluster = clustered_paired_diff_ci(a, b, clusters);
  c.by_episode = paired_diff_ci(a, b);
  c.bootstrap = cluster_bootstrap_diff_ci(a, b, clusters);
  c.episodes = static_cast<int>(a.size());
  for (std::size_t e = 0; e < a.size(); ++e) {
    const double d = a[e] - b[e];
    c.wins += d > 0;
    c.worst_episode_diff = e == 0 ? d : std::min(c.worst_episode_diff, d);
  }
  return c;
}

std::optional<double> gap_closed_pct(const Comparison& c, double against_mean, double bound_mean) {
  const double gap = bound_mean - against_mean;
  if (!(gap > 0)) return std::nullopt;
  return 100 * c.by_episode.mean / gap;
}

nlohmann::json to_json(const Comparison& c) {
  return {{"policy", c.policy},
          {"against", c.against},
          {"diff_mean", c.by_episode.mean},
          {"diff_ci95", interval(c.by_cluster)},
          {"clusters", c.by_cluster.n},
          {"diff_ci95_bootstrap", nlohmann::json::array({c.bootstrap.lo, c.bootstrap.hi})},
          {"diff_ci95_by_episode", interval(c.by_episode)},
          {"wins", c.wins},
          {"episodes", c.episodes},
          {"worst_episode_diff", c.worst_episode_diff}};
}

std::string describe(const Comparison& c, const std::string& unit) {
  const MeanCi& d = c.by_cluster;
  const std::string ci = d.has_interval() ? fmt::format(" [{:+.0f}, {:+.0f}]", d.lo(), d.hi()) : std::string(" (no interval)");
  return fmt::format("{:+.0f}{} per {} ({} {}s), wins {} of {} episodes, worst episode {:+.0f}", c.by_episode.mean, ci, unit,
                     d.n, unit, c.wins, c.episodes, c.worst_episode_diff);
}

}  // namespace autoscale::pipeline
