#pragma once
// The notebook's picture of a scenario: a few load curves as episodes see them, and for trace
// scenarios the whole trace with the windows the episodes replay.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval/run_policies.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::report {

struct LoadSample {
  std::uint64_t seed = 0;
  std::vector<std::int64_t> load;       // minutes 1 .. episode length, as the environment serves them
  std::optional<std::int64_t> window_start;  // trace scenarios: the minute index of the replayed window
};

struct ScenarioPicture {
  std::string name, kind;  // kind: "seed", "seed-weekly" or "trace"
  std::int64_t minutes_per_episode = 0;
  std::int64_t history_minutes = 0;  // minutes 1..history_minutes give policies history and are not scored
  std::vector<LoadSample> samples;
  // Trace scenarios: the whole per-minute series.
  std::vector<double> trace_tpm;
  std::string trace_source;
  std::optional<std::int64_t> trace_start_epoch_seconds;
};

// Samples the load of the episodes with seeds first_seed .. first_seed + count - 1 exactly as an
// environment of the scenario replays them (so they are the evaluated episodes' loads when
// first_seed is the evaluation's).
ScenarioPicture picture_scenario(const Scenario& scenario, std::uint64_t first_seed, int count);
// The same for the first `count` of an evaluation's own episodes (each with its seed and, for a
// trace, its window: tile_episodes).
ScenarioPicture picture_scenario(const Scenario& scenario, const std::vector<EpisodePlan>& episodes, int count);

}  // namespace autoscale::report
