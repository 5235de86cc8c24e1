// `autoscale.run` and `autoscale.backtest`: the CLI's main job and backtest (src/pipeline), the same
// code with the same options.
#include <pybind11/functional.h>

#include "bindings.hpp"
#include "core/thread_pool.hpp"
#include "pipeline/backtest.hpp"
#include "pipeline/main_job.hpp"
#include "rl/ppo_config.hpp"

namespace autoscale::py {
namespace {

// Progress goes to `log` (a callable taking each chunk of text), to stdout when None, nowhere when
// quiet. The job runs without the GIL; the callable takes it back for each chunk.
pipeline::Log make_log(const pyb::object& log, bool quiet) {
  if (quiet) return [](const std::string&) {};
  if (log.is_none()) return pipeline::stdout_log();
  return [log](const std::string& text) {
    pyb::gil_scoped_acquire gil;
    log(text);
  };
}

}  // namespace

void bind_pipeline(pyb::module_& m) {
  m.def(
      "run",
      [](pyb::handle scenario, const std::string& out, std::int64_t steps, int episodes, int threads, std::uint64_t seed,
         double split, std::int64_t history_minutes, std::int64_t episode_minutes, int tune_budget, int tune_episodes,
         double holdout, std::optional<std::string> config, pyb::object log, bool quiet) {
        pipeline::MainJobOptions o;
        o.scenario = pyb::str(scenario);
        o.out = out;
        o.steps = steps;
        o.episodes = episodes;
        o.threads = threads;
        o.train_seed = seed;
        o.split = split;
        o.history_minutes = history_minutes;
        o.episode_minutes = episode_minutes;
        o.tune_budget = tune_budget;
        o.tune_episodes = tune_episodes;
        o.holdout_fraction = holdout;
        if (config) {
          o.config = rl::load_ppo_config(*config);
          o.config_label = *config;
        }
        const pipeline::Log sink = make_log(log, quiet);
        pipeline::MainJobResult r;
        {
          pyb::gil_scoped_release release;
          r = pipeline::run_main_job(o, sink);
        }
        pyb::dict d;
        d["report"] = r.report.string();
        d["verdict"] = to_python(r.verdict);
        return d;
      },
      pyb::arg("scenario") = "seed", pyb::arg("out") = "runs/main", pyb::arg("steps") = 0, pyb::arg("episodes") = 0,
      pyb::arg("threads") = 0, pyb::arg("seed") = 0, pyb::arg("split") = SplitDefaults::past_fraction,
      pyb::arg("history_minutes") = SplitDefaults::history_minutes, pyb::arg("episode_minutes") = SplitDefaults::scored_minutes,
      pyb::arg("tune_budget") = 60, pyb::arg("tune_episodes") = 30, pyb::arg("holdout") = 0.25,
      pyb::arg("config") = pyb::none(), pyb::arg("log") = pyb::none(), pyb::arg("quiet") = false,
      "`autoscale run`: the main job (on a trace: tune and train on its past, gate the learned policy on the past's "
      "last days, evaluate on the future). Returns {'report': path, 'verdict': the answer on a trace, else null}.");
  m.def(
      "backtest",
      [](pyb::handle scenario, const std::string& out, int folds, double first_origin, std::int64_t steps, int episodes,
         int threads, std::uint64_t seed, std::int64_t history_minutes, std::int64_t episode_minutes, int tune_budget,
         int tune_episodes, double holdout, std::optional<std::string> config, pyb::object log, bool quiet) {
        pipeline::BacktestOptions o;
        o.folds = folds;
        o.first_origin = first_origin;
        o.history_minutes = history_minutes;
        o.scored_minutes = episode_minutes;
        o.job.out = out;
        o.job.steps = steps;
        o.job.episodes = episodes;
        o.job.threads = threads > 0 ? threads : default_threads();
        o.job.train_seed = seed;
        o.job.tune_budget = tune_budget;
        o.job.tune_episodes = tune_episodes;
        o.job.holdout_fraction = holdout;
        if (config) {
          o.job.config = rl::load_ppo_config(*config);
          o.job.config_label = *config;
        }
        const Scenario s = to_scenario(scenario);
        const pipeline::Log sink = make_log(log, quiet);
        pipeline::BacktestResult r;
        {
          pyb::gil_scoped_release release;
          r = pipeline::run_backtest(s, o, sink);
        }
        return to_python(r.pooled);
      },
      pyb::arg("scenario"), pyb::arg("out") = "runs/backtest", pyb::arg("folds") = 4, pyb::arg("first_origin") = 0.5,
      pyb::arg("steps") = 8'000'000, pyb::arg("episodes") = 60, pyb::arg("threads") = 0, pyb::arg("seed") = 0,
      pyb::arg("history_minutes") = SplitDefaults::history_minutes, pyb::arg("episode_minutes") = SplitDefaults::scored_minutes,
      pyb::arg("tune_budget") = 60, pyb::arg("tune_episodes") = 30, pyb::arg("holdout") = 0.25,
      pyb::arg("config") = pyb::none(), pyb::arg("log") = pyb::none(), pyb::arg("quiet") = false,
      "`autoscale backtest`: run's workflow on rolling-origin folds of a trace; returns the pooled rows "
      "(backtest.json's 'pooled').");
}

}  // namespace autoscale::py
