// `autoscale run`: the main job (src/pipeline/main_job.hpp). On a synthetic scenario it trains the
// learned policy and evaluates it against the shipped tuned baselines and both oracles; on a trace
// it tunes and trains on the past, gates the learned policy on the past's last days and evaluates
// everything on the future.
#include "commands.hpp"
#include "main_job_options.hpp"
#include "pipeline/main_job.hpp"
#include "validators.hpp"

namespace autoscale::cli {

void add_main_job_options(CLI::App* c, const std::shared_ptr<pipeline::MainJobOptions>& a, const std::shared_ptr<std::string>& config_file,
                          const std::shared_ptr<std::string>& base_selection, bool per_service) {
  if (!per_service) {
    c->add_option("--scenario", a->scenario, "built-in name or scenario TOML file")->capture_default_str();
    c->add_option("--out", a->out, "output directory")->capture_default_str();
    c->add_option("--seed", a->train_seed, "training seed")->capture_default_str();
  }
  c->add_option("--steps", a->steps, "training steps (default: 12M synthetic, 8M trace)")->check(at_least(1));
  c->add_option("--episodes", a->episodes,
                "evaluation episodes (default: 30 synthetic; on a trace at least 60: every future day replayed "
                "equally often)")
      ->check(at_least(1));
  c->add_option("--baselines", a->baselines, "synthetic scenarios: directory of tuned baseline specs (<dir>/<scenario>/<policy>.spec)")
      ->capture_default_str();
  c->add_option("--threads", a->threads, "worker threads (default: all cores)")->check(at_least(0));
  c->add_option("--split", a->split, "trace scenarios: fraction of the trace that is the past")
      ->capture_default_str()
      ->check(CLI::Range(0.05, 0.95).description("in [0.05, 0.95]"));
  c->add_option("--history-minutes", a->history_minutes, "trace scenarios: unscored history at the start of each episode")
      ->capture_default_str()
      ->check(at_least(0));
  c->add_option("--episode-minutes", a->episode_minutes, "trace scenarios: scored minutes of each episode (a tile of the future)")
      ->capture_default_str()
      ->check(at_least(2));
  c->add_option("--tune-budget", a->tune_budget, "trace scenarios: candidates per classical policy")->capture_default_str()->check(at_least(1));
  c->add_option("--tune-episodes", a->tune_episodes, "trace scenarios: past episodes per candidate")->capture_default_str()->check(at_least(1));
  c->add_option("--holdout", a->holdout_fraction,
                "trace scenarios: fraction of the past held back (whole days, at least one) to gate the learned policy on")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.9).description("in [0, 0.9]"));
  c->add_option("--base-selection", *base_selection,
                "trace scenarios: the learned policy's base is the classical policy best on the held-out days when tuned "
                "without them (holdout), or the one best on the whole past (past)")
      ->capture_default_str()
      ->check(CLI::IsMember(pipeline::kBaseSelectionNames.names()));
  if (!per_service) {
    c->add_option("--baseline", a->operator_baseline,
                  "trace scenarios: the operator's own autoscaler (a spec, @FILE, @FILE.yaml: an HPA or ScaledObject "
                  "manifest, or @FILE.json: AWS describe-policies + describe-auto-scaling-groups [+ describe-alarms]), "
                  "evaluated on the future and compared in the verdict; the classical policies are tuned starting from it "
                  "and written back in its format (DIR/hpa.yaml, DIR/keda.yaml, DIR/aws-<policy>.json)");
    c->add_option("--config", *config_file,
                  "training config TOML ([ppo], [guardrail]; see configs/); default: the 'default' preset, on a trace the "
                  "'trace' preset (a residual's base_policy is always the best policy tuned on the past)");
  }
}

void apply_main_job_options(pipeline::MainJobOptions& a, const std::string& config_file, const std::string& base_selection) {
  a.base_selection = pipeline::kBaseSelectionNames.parse(base_selection);
  if (!config_file.empty()) {
    a.config = rl::load_ppo_config(config_file);  // a bad file fails before any work
    a.config_label = config_file;
  }
}

void add_run(CLI::App& app) {
  auto a = std::make_shared<pipeline::MainJobOptions>();
  auto config_file = std::make_shared<std::string>();
  auto base_selection = std::make_shared<std::string>("holdout");
  CLI::App* c = app.add_subcommand(
      "run",
      "The main job: train and evaluate the learned policy against tuned baselines and oracles (on a trace: tune and "
      "train on its past, gate on the past's last days, evaluate on its future, write what to deploy)");
  add_main_job_options(c, a, config_file, base_selection, false);
  c->callback([a, config_file, base_selection] {
    apply_main_job_options(*a, *config_file, *base_selection);
    pipeline::run_main_job(*a, pipeline::stdout_log());
  });
}

}  // namespace autoscale::cli
