// `autoscale backtest`: run's workflow on several past -> future folds of a trace, pooled
// (src/pipeline/backtest.hpp).
#include <fmt/format.h>

#include "commands.hpp"
#include "core/thread_pool.hpp"
#include "pipeline/backtest.hpp"
#include "validators.hpp"

namespace autoscale::cli {

void add_backtest(CLI::App& app) {
  struct Args {
    std::string scenario;
    pipeline::BacktestOptions o;
    std::string config;
  };
  auto a = std::make_shared<Args>();
  a->o.job.out = "runs/backtest";
  CLI::App* c = app.add_subcommand(
      "backtest",
      "Run's workflow (tune, train, gate, evaluate) on rolling-origin folds of a trace, each fold's past all that "
      "precedes its future; results per fold and pooled over every future day");
  c->add_option("--scenario", a->scenario, "trace scenario TOML file")->required();
  c->add_option("--folds", a->o.folds, "consecutive futures")->capture_default_str()->check(at_least(1));
  c->add_option("--first-origin", a->o.first_origin, "fraction of the trace before the first fold's future")
      ->capture_default_str()
      ->check(CLI::Range(0.05, 0.95).description("in [0.05, 0.95]"));
  c->add_option("--out", a->o.job.out, "output directory (fold-K/ per fold, backtest.json)")->capture_default_str();
  c->add_option("--steps", a->o.job.steps, "training steps per fold")->capture_default_str()->check(at_least(1));
  c->add_option("--episodes", a->o.job.episodes, "at least this many future episodes per fold (days x replicates)")
      ->capture_default_str()
      ->check(at_least(1));
  c->add_option("--threads", a->o.job.threads, "worker threads (default: all cores)")->check(at_least(0));
  c->add_option("--seed", a->o.job.train_seed, "training seed")->capture_default_str();
  c->add_option("--history-minutes", a->o.history_minutes, "unscored history at the start of each episode")
      ->capture_default_str()
      ->check(at_least(0));
  c->add_option("--episode-minutes", a->o.scored_minutes, "scored minutes of each episode (a day of the future)")
      ->capture_default_str()
      ->check(at_least(2));
  c->add_option("--tune-budget", a->o.job.tune_budget, "candidates per classical policy")->capture_default_str()->check(at_least(1));
  c->add_option("--tune-episodes", a->o.job.tune_episodes, "past episodes per candidate")->capture_default_str()->check(at_least(1));
  c->add_option("--holdout", a->o.job.holdout_fraction, "fraction of each past held back to gate the learned policy on")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.9).description("in [0, 0.9]"));
  auto base_selection = std::make_shared<std::string>("holdout");
  c->add_option("--base-selection", *base_selection,
                "trace scenarios: the learned policy's base is the classical policy best on the held-out days when tuned "
                "without them (holdout), or the one best on the whole past (past)")
      ->capture_default_str()
      ->check(CLI::IsMember(pipeline::kBaseSelectionNames.names()));
  c->add_option("--config", a->config, "training config TOML (default: the 'trace' preset)");
  c->callback([a, base_selection] {
    a->o.job.base_selection = pipeline::kBaseSelectionNames.parse(*base_selection);
    if (!a->config.empty()) {
      a->o.job.config = rl::load_ppo_config(a->config);  // a bad file fails before any work
      a->o.job.config_label = a->config;
    }
    if (a->o.job.threads <= 0) a->o.job.threads = default_threads();
    const Scenario scenario = resolve_scenario(a->scenario);
    pipeline::run_backtest(scenario, a->o, pipeline::stdout_log());
  });
}

}  // namespace autoscale::cli
