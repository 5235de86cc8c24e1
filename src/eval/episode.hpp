#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/episode_metrics.hpp"
#include "policies/spec.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {

nlohmann::json to_json(const EpisodeMetrics& m);

// Runs one whole episode of `env` (reset with `seed`) under `policy`. When `trace_csv` is given,
// appends one CSV row per minute (see kTraceHeader), tagged with `episode_index`.
EpisodeMetrics run_episode(Env& env, Policy& policy, std::uint64_t seed, std::string* trace_csv = nullptr,
                           int episode_index = 0);

inline constexpr const char* kTraceHeader = "episode,minute,load,capacity,active,warming,failed,down,add,remove,reward\n";

struct PolicyRun {
  std::string spec;
  std::vector<EpisodeMetrics> episodes;
  std::string trace_csv;  // rows of all episodes, in episode order (empty unless asked for)
};

// Every policy on the same episodes (seeds first_seed .. first_seed + episodes - 1), episodes
// spread over `threads` threads. The results do not depend on the thread count.
std::vector<PolicyRun> run_policies(const Scenario& scenario, const std::vector<PolicySpec>& policies,
                                    std::uint64_t first_seed, int episodes, int threads, bool want_trace);

}  // namespace autoscale
