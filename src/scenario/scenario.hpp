#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/name_table.hpp"
#include "env/env.hpp"
#include "load/event_load.hpp"
#include "load/notebook_load.hpp"
#include "load/trace.hpp"
#include "load/weekly_load.hpp"
#include "service/params.hpp"

namespace autoscale {

enum class LoadKind { kNotebook, kNotebookWeekly, kNotebookEvents, kTrace };
// The [load] kind's names (and the built-in scenarios' names, but for "trace").
inline constexpr auto kLoadKindNames = make_name_table<LoadKind>(
    "load kind", std::pair{LoadKind::kNotebook, "seed"}, std::pair{LoadKind::kNotebookWeekly, "seed-weekly"},
    std::pair{LoadKind::kNotebookEvents, "seed-events"}, std::pair{LoadKind::kTrace, "trace"});
inline std::string to_string(LoadKind k) { return kLoadKindNames.name(k); }

struct LoadSpec {
  LoadKind kind = LoadKind::kNotebook;
  NotebookLoadParams notebook;
  WeeklyParams weekly;
  EventParams events;
  TraceOptions trace;
  std::shared_ptr<const TraceSeries> series;  // loaded once when the scenario is read
  std::int64_t trace_start = -1;              // minute index into the series; -1 = seeded random
};

// Everything that defines a simulated service: its constants and where its load comes from.
struct Scenario {
  std::string name;
  ServiceParams service;
  LoadSpec load;

  std::unique_ptr<LoadModel> make_load() const;
  Env make_env() const { return Env(service, make_load()); }
  // The load level a service of this scenario must be sized for: the 99th percentile of its load
  // (of the trace's selected range, or of four episodes of a synthetic model). Tuning boxes scale
  // with it.
  double reference_load() const;
  // Sets the episode length to `minutes` steps.
  void set_episode_minutes(std::int64_t minutes);
};

// One scenario of a mix (training on several services' histories, tuning across them) and its share.
struct WeightedScenario {
  Scenario scenario;
  double weight = 1;
};

// A trace scenario cut in time, the operator's question as scenarios: policies are tuned and
// trained on `past` and judged on `future`. Episodes of both are `history` minutes that give a
// policy its history (not scored) and then `scored` minutes; a future episode's history may reach
// back into the past (an operator has it), its scored minutes never do. When the scenario scales
// its trace to a 99th percentile, the factor is recomputed from the past alone.
struct TraceSplit {
  Scenario past, future;
  std::int64_t split_minute = 0;  // index into the scenario's series of the future's first minute
};
TraceSplit split_trace_scenario(const Scenario& scenario, double past_fraction, std::int64_t history_minutes,
                                std::int64_t scored_minutes);
// The same cut at minute `split_minute` of the series, with the future ending at `future_end`
// (exclusive): the rolling origins of a backtest, and the gate's hold-out at the end of a past.
// The parts' series carry the scaling already (their scale options are cleared), so a part split
// again keeps its level.
TraceSplit split_trace_at(const Scenario& scenario, std::int64_t split_minute, std::int64_t future_end,
                          std::int64_t history_minutes, std::int64_t scored_minutes);
// `autoscale run`'s split of a trace: the past is its first 75 %, episodes are a day of history
// and a scored day.
struct SplitDefaults {
  static constexpr double past_fraction = 0.75;
  static constexpr std::int64_t history_minutes = 1440, scored_minutes = 1440;
};

std::vector<std::string> builtin_scenario_names();
// Splits `total` environments or episodes between the scenarios of a mix in proportion to their
// weights: at least one each, the rest by largest remainder (ties to the earlier scenario).
std::vector<int> split_by_weight(const std::vector<WeightedScenario>& mix, int total);
// "NAME_OR_PATH" (weight 1) or "NAME_OR_PATH:WEIGHT" with a positive number as weight.
WeightedScenario resolve_weighted_scenario(const std::string& text);
// A built-in name (`seed`, `seed-weekly`) or a path to a TOML scenario file; a trace scenario's
// path followed by `#past` or `#future` is that part of `autoscale run`'s default split (so the
// run's tuning, training and evaluation can be repeated one command at a time).
Scenario resolve_scenario(const std::string& name_or_path);
Scenario load_scenario_file(const std::filesystem::path& path);
// Parses TOML text; `source` names it in error messages, `base_dir` anchors relative trace paths.
Scenario parse_scenario_toml(std::string_view text, const std::string& source, const std::filesystem::path& base_dir);

}  // namespace autoscale
