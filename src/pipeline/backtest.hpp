#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/log.hpp"
#include "pipeline/trace_job.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::pipeline {

// A backtest over rolling origins: the trace's minutes from `first_origin` on are cut into
// `folds` consecutive futures; fold k's past is everything before its future (an expanding
// window, as an operator who retrains every week has it). Each fold runs the whole workflow
// (run_trace_job: tune, train, gate, evaluate) into out/fold-k, and the folds are pooled: every
// role (the learned policy, the deployed one, the classical policy best on each fold's own past,
// each classical policy, the bounds) paired with that fold's best classical policy, day by day,
// over all folds' days. One future week holds too few burst minutes to tell a small margin from
// none; the pooled days can.
struct BacktestOptions {
  int folds = 4;
  double first_origin = 0.5;  // fraction of the trace before the first fold's future
  std::int64_t history_minutes = SplitDefaults::history_minutes;
  std::int64_t scored_minutes = SplitDefaults::scored_minutes;
  TraceJobOptions job;  // job.out is the backtest's directory
};

struct BacktestFold {
  std::int64_t origin = 0, end = 0;  // the future's minutes [origin, end) of the series
  TraceJobResult job;
};

struct BacktestResult {
  std::vector<BacktestFold> folds;
  nlohmann::json pooled;  // also written to out/backtest.json with the folds
};

BacktestResult run_backtest(const Scenario& scenario, const BacktestOptions& options, const Log& log);

}  // namespace autoscale::pipeline
