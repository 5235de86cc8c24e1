#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/name_table.hpp"
#include "eval/evaluation.hpp"
#include "eval/tiles.hpp"
#include "eval/tune.hpp"
#include "pipeline/gate.hpp"
#include "pipeline/log.hpp"
#include "rl/ppo_config.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::pipeline {

// The operator's workflow on one past -> future cut of a trace (what `autoscale run` does on a
// trace, and what each fold of a backtest does):
//   1. tune every classical policy on the whole past, one budget each: the best of them is what
//      the operator would deploy (the `baseline`);
//   2. hold back the end of the past (holdout_fraction of it, whole days); the learned policy's
//      base is the classical policy that, tuned on the rest, earns most on the held-out days
//      (BaseSelection::kHoldout), or the baseline (kPast);
//   3. train the learned policy on the past without the held-out days (a residual on that base,
//      the `trace` preset);
//   4. the gate (decide_gate): on the held-out days, deploy the learned policy only if it beats
//      the baseline with confidence, else deploy the baseline;
//   5. evaluate everything, the oracles too, on the future: every scored minute once per
//      replicate (tile_episodes), so each future day weighs the same.
// The deployed model is the one the gate judged (it is not retrained on the held-out days: what
// passed the gate is what is deployed).
enum class BaseSelection { kHoldout, kPast };
// Its names, for options and messages: "holdout", "past".
inline constexpr auto kBaseSelectionNames = make_name_table<BaseSelection>(
    "base selection", std::pair{BaseSelection::kHoldout, "holdout"}, std::pair{BaseSelection::kPast, "past"});
inline std::string to_string(BaseSelection b) { return kBaseSelectionNames.name(b); }

struct TraceJobOptions {
  std::filesystem::path out;
  std::int64_t steps = 8'000'000;
  int episodes = 60;  // at least this many future episodes: tiles x replicates
  int threads = 1;
  int tune_budget = 60, tune_episodes = 30;
  double holdout_fraction = 0.25;  // of the past, in whole scored days, at least one
  int holdout_replicates = 8;      // capacity-draw replicates of each held-out day
  BaseSelection base_selection = BaseSelection::kHoldout;
  // The operator's own autoscaler (a spec, `@FILE`, or `@FILE.yaml`: an HPA or ScaledObject
  // manifest), empty for none: evaluated on the future with the rest and compared in the verdict
  // (`operator_baseline`, `learned_vs_operator`, `deployed_vs_operator`). When it is an hpa
  // policy, the hpa is tuned starting from it (its keys that are not tuned stay the operator's),
  // and the best tuned hpa is written as DIR/hpa.yaml (and DIR/keda.yaml for a ScaledObject),
  // keeping the original manifest's other fields.
  std::string operator_baseline;
  std::uint64_t train_seed = 0;
  std::optional<rl::PpoConfig> config;  // empty: the `trace` preset
  std::string config_label;             // how progress lines name the config
  bool write_report = true;
};

// Which rows of the future's summaries play which part.
struct FutureRows {
  std::size_t learned = 0, learned_base = 0, baseline = 0, deployed = 0, window = 0, oracle_load = 0;
  std::optional<std::size_t> operator_baseline;  // when the options name one
  std::vector<std::size_t> classical;  // in classical_policy_names() order
};

struct TraceJobResult {
  std::vector<TuneTrial> tuned;  // each classical policy's best on the past, in classical_policy_names() order
  std::size_t best = 0;          // the one with the highest profit on the past
  GateDecision gate;
  std::string learned_spec, learned_base_spec, deployed_spec;
  nlohmann::json base_selection = nlohmann::json::array();  // each candidate's held-out profit
  TiledEpisodes future_episodes;
  std::vector<PolicySummary> future;
  FutureRows rows;
  nlohmann::json verdict;
};

// The smallest trace (in minutes) the workflow runs on with this split and episode shape.
std::int64_t minimum_trace_minutes(double past_fraction, std::int64_t history_minutes, std::int64_t scored_minutes,
                                   double holdout_fraction);

TraceJobResult run_trace_job(const TraceSplit& split, const TraceJobOptions& options, const Log& log);

}  // namespace autoscale::pipeline
