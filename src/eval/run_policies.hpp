#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/episode_metrics.hpp"
#include "eval/minute_trace.hpp"
#include "policies/spec.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {

nlohmann::json to_json(const EpisodeMetrics& m);

struct PolicyRun {
  std::string spec;
  std::vector<EpisodeMetrics> episodes;
  // Policy::counters() summed over the episodes, in the policy's order.
  std::vector<std::pair<std::string, std::int64_t>> counters;
};

// Every policy on the same episodes (seeds first_seed .. first_seed + episodes - 1), episodes
// spread over `threads` threads. The results do not depend on the thread count. With `traces`,
// the minutes of the episodes it keeps are streamed to it.
std::vector<PolicyRun> run_policies(const Scenario& scenario, const std::vector<PolicySpec>& policies,
                                    std::uint64_t first_seed, int episodes, int threads,
                                    MinuteTraceWriter* traces = nullptr);

}  // namespace autoscale
