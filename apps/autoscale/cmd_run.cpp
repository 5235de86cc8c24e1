// `autoscale run`: the main job. On a synthetic scenario (the embedded `seed` by default) it trains
// the learned policy and evaluates it against the shipped tuned baselines and both oracles. On a
// trace scenario it answers the operator's question: trained on the earlier part of my traffic,
// does it beat the autoscaler I would otherwise tune, on the later part? It splits the trace in
// time, tunes every classical policy and trains the learned policy on the past only, and evaluates
// all of them and the oracles on the future.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>

#include "commands.hpp"
#include "core/output_file.hpp"
#include "core/thread_pool.hpp"
#include "eval/evaluation.hpp"
#include "eval/stats.hpp"
#include "eval/tune.hpp"
#include "policies/classical.hpp"
#include "report/report_html.hpp"
#include "rl/ppo.hpp"
#include "validators.hpp"

namespace autoscale::cli {
namespace {

constexpr int kReportEpisodes = 3;  // evaluation episodes whose minutes the report shows
// Never used by training (train_seed_base), validation (900000..) or tuning (0..).
constexpr std::uint64_t kEvaluationSeed = 5'000'000;
// The range of per-episode level factors the learned policy also trains on (log-uniform).
constexpr std::pair<double, double> kTrainingScale{0.3, 10.0};

struct RunArgs {
  std::string scenario = "seed";
  std::int64_t steps = 0;  // 0: 12M on a synthetic scenario, 8M on a trace
  int episodes = 0;        // 0: 30 on a synthetic scenario, 60 on a trace
  std::string out = "runs/main";
  std::string baselines = "baselines";
  int threads = 0;
  // Trace scenarios.
  double split = SplitDefaults::past_fraction;
  std::int64_t history_minutes = SplitDefaults::history_minutes;
  std::int64_t episode_minutes = SplitDefaults::scored_minutes;
  int tune_budget = 60;
  int tune_episodes = 30;
  std::string config;  // training config TOML; empty: the 'default' preset, on a trace the 'trace' one
  std::optional<rl::PpoConfig> loaded_config;  // read from `config` before any work starts
};

rl::PpoConfig training_config(const RunArgs& a, const char* preset) {
  return a.loaded_config ? *a.loaded_config : rl::preset_config(preset);
}

// The shipped tuned classical policies for a scenario: <dir>/<scenario>/*.spec (written by
// `autoscale tune --out`), or each policy's defaults where none was tuned.
std::vector<std::string> baseline_specs(const std::string& dir, const std::string& scenario) {
  std::vector<std::string> specs;
  for (const auto& name : classical_policy_names()) {
    const auto file = std::filesystem::path(dir) / scenario / (name + ".spec");
    specs.push_back(std::filesystem::exists(file) ? expand_spec("@" + file.string()) : name);
  }
  return specs;
}

rl::TrainResult train_with_progress(const rl::TrainOptions& o) {
  const bool tty = isatty(fileno(stdout));
  const auto result = rl::train(o, [&](const rl::ProgressRow& r) {
    const double pct = 100.0 * static_cast<double>(r.steps) / static_cast<double>(o.total_steps);
    const std::string val = r.validation_profit ? fmt::format("{:.0f}", *r.validation_profit) : std::string("...");
    if (tty) {
      fmt::print("\r    {:>5.1f}%  {:>6.0f} steps/s  validation profit {}   ", pct, r.steps_per_second, val);
    } else if (r.validation_profit) {
      fmt::print("    {:>5.1f}%  {:>6.0f} steps/s  validation profit {}\n", pct, r.steps_per_second, val);
    }
    std::fflush(stdout);
  });
  fmt::print("{}    {} steps in {:.0f} s ({:.0f} steps/s), best validation profit {:.0f}\n\n", tty ? "\n" : "",
             result.steps, result.seconds, result.steps_per_second, result.best_validation_profit.value_or(0));
  return result;
}

// Evaluates `specs` on `scenario`, prints the table, writes evaluation.json (with `verdict`'s
// answer, when given), the kept minute traces and the report into `out`.
void evaluate_and_report(const Scenario& scenario, const std::string& scenario_arg, const std::vector<PolicySpec>& specs,
                         int episodes, int threads, const std::filesystem::path& out,
                         const std::function<nlohmann::json(const std::vector<PolicySummary>&)>& verdict = {}) {
  MinuteTraceWriter traces(out / "traces.csv", episodes, kReportEpisodes);  // the report's timelines
  const auto t0 = std::chrono::steady_clock::now();
  const auto summaries = summarize(run_policies(scenario, specs, kEvaluationSeed, episodes, threads, &traces));
  traces.commit();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("{}\n", format_table(summaries));
  nlohmann::json evaluation =
      evaluation_document({scenario.name, kEvaluationSeed, episodes, scenario.service.episode_steps(), secs}, summaries);
  if (std::filesystem::is_regular_file(scenario_arg)) {
    evaluation["scenario_path"] = std::filesystem::absolute(scenario_arg).string();
  }
  if (verdict) evaluation["verdict"] = verdict(summaries);
  write_file_atomic(out / "evaluation.json", evaluation.dump(2) + "\n");
  report::ReportSources sources{.evaluation = out / "evaluation.json", .traces = out / "traces.csv", .train_dir = out,
                                .scenario = scenario_arg, .selection = {}, .load_samples = 3};
  report::write_report(report::gather_report_inputs(sources), out / "report.html");
}

// The operator's answer in one place: the learned policy against the classical policy that was
// best on the past (chosen before the future was seen), paired over the future's episodes, and
// the share it closes of that policy's gap to oracle-load and to oracle-window (what a perfect
// hourly forecast would add). Printed, and returned for evaluation.json.
nlohmann::json trace_verdict(const PolicySummary& learned, const PolicySummary& baseline, const PolicySummary& window,
                             const PolicySummary& oracle_load) {
  const MeanCi d = paired_diff_ci(learned.profits, baseline.profits);
  int wins = 0;
  double worst = 0;
  for (std::size_t e = 0; e < learned.profits.size(); ++e) {
    const double diff = learned.profits[e] - baseline.profits[e];
    wins += diff > 0;
    worst = e == 0 ? diff : std::min(worst, diff);
  }
  const auto closed = [&](const PolicySummary& bound) -> std::optional<double> {
    const double gap = bound.profit.mean - baseline.profit.mean;
    if (!(gap > 0)) return std::nullopt;
    return 100 * d.mean / gap;
  };
  const auto pct = [](std::optional<double> v) { return v ? fmt::format("{:.0f} %", *v) : std::string("n/a"); };
  fmt::print("answer: the learned policy earns {:+.0f} [{:+.0f}, {:+.0f}] per episode against {} (the best classical policy "
             "on the past), wins {} of {} episodes, worst episode {:+.0f}; it closes {} of the gap to oracle-load and {} "
             "of the gap to {}\n\n",
             d.mean, d.lo(), d.hi(), baseline.spec, wins, learned.profits.size(), worst, pct(closed(oracle_load)),
             pct(closed(window)), window.spec);
  nlohmann::json j = {{"learned", learned.spec}, {"baseline", baseline.spec}, {"diff_mean", d.mean}, {"diff_ci95", {d.lo(), d.hi()}},
                      {"wins", wins}, {"episodes", learned.profits.size()}, {"worst_episode_diff", worst}};
  // Percent of the baseline's gap to each bound; null where the bound does not lie above it.
  for (const auto* bound : {&oracle_load, &window}) {
    const auto v = closed(*bound);
    j["gap_closed_pct"][bound->spec] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  }
  return j;
}

void run_synthetic(const RunArgs& a, const Scenario& scenario, int threads) {
  const std::int64_t steps = a.steps > 0 ? a.steps : 12'000'000;
  const int episodes = a.episodes > 0 ? a.episodes : 30;
  fmt::print("1/2 training PPO ({}) for {} steps -> {}/\n", a.config.empty() ? "default config" : a.config, steps, a.out);
  std::fflush(stdout);
  rl::TrainOptions o;
  o.scenarios = {{scenario, 1.0}};
  o.total_steps = steps;
  o.out_dir = a.out;
  o.config = training_config(a, "default");
  o.threads = threads;
  train_with_progress(o);

  std::vector<PolicySpec> specs{parse_policy_spec("ppo:" + (std::filesystem::path(a.out) / "best").string())};
  for (const auto& s : baseline_specs(a.baselines, scenario.name)) specs.push_back(parse_policy_spec(s));
  for (const char* s : {"oracle-load", "oracle"}) specs.push_back(parse_policy_spec(s));
  fmt::print("2/2 evaluating on {} unseen episodes (seeds {}..{}), tuned baselines from {}/{}/\n\n", episodes,
             kEvaluationSeed, kEvaluationSeed + static_cast<std::uint64_t>(episodes) - 1, a.baselines, scenario.name);
  evaluate_and_report(scenario, a.scenario, specs, episodes, threads, a.out);
  fmt::print("model: {0}/best   progress: {0}/progress.csv   results: {0}/evaluation.json\n", a.out);
}

void run_trace(const RunArgs& a, const Scenario& scenario, int threads) {
  const std::int64_t steps = a.steps > 0 ? a.steps : 8'000'000;
  const int episodes = a.episodes > 0 ? a.episodes : 60;
  const TraceSplit split = split_trace_scenario(scenario, a.split, a.history_minutes, a.episode_minutes);
  const auto& series = *scenario.load.series;
  const auto when = [&](std::int64_t minute) {
    return series.start_epoch_seconds ? format_utc((*series.start_epoch_seconds + 60 * minute) * 1000)
                                      : fmt::format("minute {}", minute);
  };
  fmt::print("past: {} .. {} ({} minutes), future: {} .. {} ({} minutes); episodes of {} minutes of history + {} scored\n\n",
             when(0), when(split.split_minute - 1), split.split_minute, when(split.split_minute),
             when(static_cast<std::int64_t>(series.tpm.size()) - 1),
             static_cast<std::int64_t>(series.tpm.size()) - split.split_minute, a.history_minutes, a.episode_minutes);
  const std::filesystem::path out(a.out);

  // 1. Every classical policy, tuned on the past with one budget.
  fmt::print("1/3 tuning {} classical policies on the past ({} candidates x {} episodes each)\n",
             classical_policy_names().size(), a.tune_budget, a.tune_episodes);
  std::vector<TuneTrial> tuned;  // each policy's best, in classical_policy_names() order
  std::size_t best = 0;          // the one with the highest training profit
  for (const auto& name : classical_policy_names()) {
    TuneOptions t;
    t.policy = name;
    t.episodes = a.tune_episodes;
    t.budget = a.tune_budget;
    t.threads = threads;
    const TuneResult r = tune_policy(split.past, t);
    write_file_atomic(out / "baselines" / (name + ".spec"),
                      fmt::format("# tuned by autoscale run on the past of {} ({} candidates x {} episodes)\n"
                                  "# mean training profit {:.1f}\n{}\n",
                                  scenario.name, a.tune_budget, a.tune_episodes, r.best.mean_profit, r.best.spec));
    fmt::print("    {:<16} {:>9.1f}  {}\n", name, r.best.mean_profit, r.best.spec);
    std::fflush(stdout);
    if (tuned.empty() || r.best.mean_profit > tuned[best].mean_profit) best = tuned.size();
    tuned.push_back(r.best);
  }

  // 2. The learned policy: a residual on the best tuned classical policy, trained on the past as
  //    it was and on the past at other levels (kTrainingScale): traffic grows, and a policy that
  //    has only seen last month's level learns shortcuts (fleets so small that one machine more
  //    or less is free) that fail at next month's.
  rl::TrainOptions o;
  Scenario rescaled = split.past;
  rescaled.name += "-rescaled";
  rescaled.load.trace.random_scale = kTrainingScale;
  o.scenarios = {{split.past, 1.0}, {rescaled, 1.0}};
  o.config = training_config(a, "trace");
  // A residual policy stands on the best policy tuned here, whatever a config file names.
  const bool residual = o.config.action.kind == rl::ActionKind::kResidual;
  const std::string& best_spec = tuned[best].spec;
  if (residual) o.config.action.base_policy = best_spec;
  fmt::print("\n2/3 training PPO ({}: {}{}) for {} steps -> {}/\n", a.config.empty() ? "'trace' preset" : a.config,
             o.config.action.name(), residual ? " on " + best_spec : std::string(), steps, a.out);
  std::fflush(stdout);
  o.total_steps = steps;
  o.out_dir = out;
  o.threads = threads;
  train_with_progress(o);

  // 3. Everything on the future.
  std::vector<PolicySpec> specs{parse_policy_spec("ppo:" + (out / "best").string())};
  for (const auto& t : tuned) specs.push_back(parse_policy_spec(t.spec));
  // oracle-window foresees every hour's traffic but not the order of its minutes: the share of
  // the gap to oracle-load that any forecast could close.
  for (const char* s : {"oracle-window:minutes=60", "oracle-load", "oracle"}) specs.push_back(parse_policy_spec(s));
  fmt::print("3/3 evaluating on {} episodes of the future (seeds {}..)\n\n", episodes, kEvaluationSeed);
  const std::size_t baseline = 1 + best, window = 1 + tuned.size();
  evaluate_and_report(split.future, a.scenario, specs, episodes, threads, out, [&](const std::vector<PolicySummary>& s) {
    return trace_verdict(s[0], s[baseline], s[window], s[window + 1]);
  });
  fmt::print("model: {0}/best   tuned specs: {0}/baselines/   results: {0}/evaluation.json\n", a.out);
}

void run(const RunArgs& a) {
  const auto t0 = std::chrono::steady_clock::now();
  const Scenario scenario = resolve_scenario(a.scenario);
  const int threads = a.threads > 0 ? a.threads : default_threads();
  const bool trace = scenario.load.kind == LoadKind::kTrace;
  fmt::print("autoscale main job: scenario '{}' ({}), {} threads\n\n", scenario.name,
             trace ? "a trace: tune and train on its past, evaluate on its future" : "synthetic", threads);
  std::filesystem::create_directories(a.out);
  if (trace) {
    run_trace(a, scenario, threads);
  } else {
    run_synthetic(a, scenario, threads);
  }
  fmt::print("report: {}   ({:.0f} s in all)\n", std::filesystem::absolute(std::filesystem::path(a.out) / "report.html").string(),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace

void add_run(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* c = app.add_subcommand(
      "run",
      "The main job: train and evaluate the learned policy against tuned baselines and oracles (on a trace: tune and "
      "train on its past, evaluate on its future)");
  c->add_option("--scenario", a->scenario, "built-in name or scenario TOML file")->capture_default_str();
  c->add_option("--steps", a->steps, "training steps (default: 12M synthetic, 8M trace)")->check(at_least(1));
  c->add_option("--episodes", a->episodes, "evaluation episodes (default: 30 synthetic, 60 trace)")->check(at_least(1));
  c->add_option("--out", a->out, "output directory")->capture_default_str();
  c->add_option("--baselines", a->baselines, "synthetic scenarios: directory of tuned baseline specs (<dir>/<scenario>/<policy>.spec)")
      ->capture_default_str();
  c->add_option("--threads", a->threads, "worker threads (default: all cores)")->check(at_least(0));
  c->add_option("--split", a->split, "trace scenarios: fraction of the trace that is the past")
      ->capture_default_str()
      ->check(CLI::Range(0.05, 0.95).description("in [0.05, 0.95]"));
  c->add_option("--history-minutes", a->history_minutes, "trace scenarios: unscored history at the start of each episode")
      ->capture_default_str()
      ->check(at_least(0));
  c->add_option("--episode-minutes", a->episode_minutes, "trace scenarios: scored minutes of each episode")
      ->capture_default_str()
      ->check(at_least(1));
  c->add_option("--tune-budget", a->tune_budget, "trace scenarios: candidates per classical policy")->capture_default_str()->check(at_least(1));
  c->add_option("--tune-episodes", a->tune_episodes, "trace scenarios: past episodes per candidate")->capture_default_str()->check(at_least(1));
  c->add_option("--config", a->config,
                 "training config TOML ([ppo], [guardrail]; see configs/); default: the 'default' preset, on a trace the "
                 "'trace' preset (a residual's base_policy is always the best policy tuned on the past)");
  c->callback([a] {
    if (!a->config.empty()) a->loaded_config = rl::load_ppo_config(a->config);  // a bad file fails before any work
    run(*a);
  });
}

}  // namespace autoscale::cli
