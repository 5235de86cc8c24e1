#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/episode_metrics.hpp"
#include "eval/minute_trace.hpp"
#include "eval/policy_factory.hpp"
#include "policies/spec.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {

nlohmann::json to_json(const ElasticityMetrics& m);
nlohmann::json to_json(const EpisodeMetrics& m);

struct PolicyRun {
  std::string spec;
  PolicyKind kind = PolicyKind::kClassical;
  std::vector<EpisodeMetrics> episodes;
  // Policy::counters() summed over the episodes, in the policy's order.
  std::vector<std::pair<std::string, std::int64_t>> counters;
};

// One evaluation episode: its seed (the capacity draws, and the load's randomness) and, on a
// trace scenario, the minute of the series where its window starts (-1: the scenario's own rule,
// its fixed start or one drawn from the seed).
struct EpisodePlan {
  std::uint64_t seed = 0;
  std::int64_t trace_start = -1;
};

// Every policy on the same episodes, spread over `threads` threads. The results do not depend on
// the thread count. With `traces`, the minutes of the episodes it keeps are streamed to it.
std::vector<PolicyRun> run_policies(const Scenario& scenario, const std::vector<PolicySpec>& policies,
                                    const std::vector<EpisodePlan>& episodes, int threads,
                                    MinuteTraceWriter* traces = nullptr);
// Episodes with seeds first_seed .. first_seed + episodes - 1.
std::vector<PolicyRun> run_policies(const Scenario& scenario, const std::vector<PolicySpec>& policies,
                                    std::uint64_t first_seed, int episodes, int threads,
                                    MinuteTraceWriter* traces = nullptr);

}  // namespace autoscale
