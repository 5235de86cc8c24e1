#include "pipeline/gate.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace autoscale::pipeline {

GateDecision decide_gate(const PolicySummary& learned, const PolicySummary& base, const TiledEpisodes& holdout,
                         const std::string& unit) {
  GateDecision g;
  g.diff = clustered_paired_diff_ci(learned.profits, base.profits, holdout.tile);
  g.days = holdout.tiles();
  g.episodes = static_cast<int>(learned.profits.size());
  for (std::size_t e = 0; e < learned.profits.size(); ++e) {
    const double d = learned.profits[e] - base.profits[e];
    g.worst_episode_diff = e == 0 ? d : std::min(g.worst_episode_diff, d);
  }
  const std::string measured =
      g.diff.has_interval()
          ? fmt::format("{:+.0f} [{:+.0f}, {:+.0f}] per {} over {} held-out {}s", g.diff.mean, g.diff.lo(), g.diff.hi(), unit,
                        g.days, unit)
          : fmt::format("{:+.0f} per {} on {} held-out {} (no interval: it needs two)", g.diff.mean, unit, g.days, unit);
  g.deploy_learned = g.diff.has_interval() && g.diff.lo() > 0;
  g.reason = g.deploy_learned
                 ? fmt::format("the learned policy beat {} on the end of the past it was not trained on: {}", base.spec, measured)
                 : fmt::format("the learned policy did not beat {} with confidence on the end of the past it was not trained "
                               "on ({}), so the classical policy is deployed",
                               base.spec, measured);
  return g;
}

nlohmann::json to_json(const GateDecision& g) {
  return {{"deploy_learned", g.deploy_learned},
          {"diff_per_day", g.diff.mean},
          {"diff_ci95", g.diff.has_interval() ? nlohmann::json::array({g.diff.lo(), g.diff.hi()}) : nlohmann::json()},
          {"days", g.days},
          {"episodes", g.episodes},
          {"worst_episode_diff", g.worst_episode_diff},
          {"reason", g.reason}};
}

}  // namespace autoscale::pipeline
