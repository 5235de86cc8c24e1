#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "pipeline/log.hpp"
#include "pipeline/trace_job.hpp"
#include "rl/ppo_config.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::pipeline {

// `autoscale run`, callable from the CLI and Python. On a synthetic scenario (the embedded `seed`
// by default) it trains the learned policy and evaluates it against the shipped tuned baselines
// and both oracles. On a trace scenario it answers the operator's question (run_trace_job):
// trained on the earlier part of my traffic, does it beat the autoscaler I would otherwise tune,
// on the later part, and what should I deploy?
struct MainJobOptions {
  std::string scenario = "seed";  // built-in name or scenario TOML file
  std::int64_t steps = 0;         // 0: 12M on a synthetic scenario, 8M on a trace
  int episodes = 0;               // 0: 30 on a synthetic scenario, 60 on a trace
  std::filesystem::path out = "runs/main";
  std::filesystem::path baselines = "baselines";  // synthetic: <dir>/<scenario>/<policy>.spec
  int threads = 0;                                // 0: all cores
  std::uint64_t train_seed = 0;
  // Trace scenarios.
  double split = SplitDefaults::past_fraction;
  std::int64_t history_minutes = SplitDefaults::history_minutes;
  std::int64_t episode_minutes = SplitDefaults::scored_minutes;
  int tune_budget = 60;
  int tune_episodes = 30;
  double holdout_fraction = 0.25;
  BaseSelection base_selection = BaseSelection::kHoldout;
  std::string operator_baseline;  // trace scenarios: the operator's own policy (TraceJobOptions)
  // The training config; empty: the `default` preset, on a trace the `trace` one.
  std::optional<rl::PpoConfig> config;
  std::string config_label;
};

struct MainJobResult {
  std::filesystem::path report;
  nlohmann::json verdict;  // trace scenarios: the answer (also in evaluation.json)
};

MainJobResult run_main_job(const MainJobOptions& options, const Log& log);

}  // namespace autoscale::pipeline
