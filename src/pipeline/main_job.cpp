#include "pipeline/main_job.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/thread_pool.hpp"
#include "eval/evaluation.hpp"
#include "eval/minute_trace.hpp"
#include "load/timestamp.hpp"
#include "core/seed_ranges.hpp"
#include "pipeline/trace_job.hpp"
#include "pipeline/training.hpp"
#include "policies/classical.hpp"
#include "report/report_html.hpp"

namespace autoscale::pipeline {
namespace {

constexpr int kReportEpisodes = 3;  // evaluation episodes whose minutes the report shows

// The shipped tuned classical policies for a scenario: <dir>/<scenario>/*.spec (written by
// `autoscale tune --out`), or each policy's defaults where none was tuned.
std::vector<std::string> baseline_specs(const std::filesystem::path& dir, const std::string& scenario) {
  std::vector<std::string> specs;
  for (const auto& name : classical_policy_names()) {
    const auto file = dir / scenario / (name + ".spec");
    specs.push_back(std::filesystem::exists(file) ? expand_spec("@" + file.string()) : name);
  }
  return specs;
}

void run_synthetic(const MainJobOptions& a, const Scenario& scenario, int threads, const Log& log) {
  const std::int64_t steps = a.steps > 0 ? a.steps : 12'000'000;
  const int episodes = a.episodes > 0 ? a.episodes : 30;
  log(fmt::format("1/2 training PPO ({}) for {} steps -> {}/\n", a.config_label.empty() ? "default config" : a.config_label,
                  steps, a.out.string()));
  rl::TrainOptions o;
  o.scenarios = {{scenario, 1.0}};
  o.seed = a.train_seed;
  o.total_steps = steps;
  o.out_dir = a.out;
  o.config = a.config ? *a.config : rl::preset_config("default");
  o.threads = threads;
  train_with_progress(o, log);

  std::vector<PolicySpec> specs{parse_policy_spec("ppo:" + (a.out / "best").string())};
  for (const auto& s : baseline_specs(a.baselines, scenario.name)) specs.push_back(parse_policy_spec(s));
  for (const char* s : {"oracle-load", "oracle"}) specs.push_back(parse_policy_spec(s));
  log(fmt::format("2/2 evaluating on {} unseen episodes (seeds {}..{}), tuned baselines from {}/{}/\n\n", episodes,
                  seeds::kEvaluation, seeds::kEvaluation + static_cast<std::uint64_t>(episodes) - 1, a.baselines.string(),
                  scenario.name));
  MinuteTraceWriter traces(a.out / "traces.csv", episodes, kReportEpisodes);  // the report's timelines
  const auto t0 = std::chrono::steady_clock::now();
  const auto summaries = summarize(run_policies(scenario, specs, seeds::kEvaluation, episodes, threads, &traces));
  traces.commit();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log(format_table(summaries) + "\n");
  nlohmann::json evaluation = evaluation_document(
      {scenario.name, seeds::kEvaluation, episodes, scenario.service.episode_steps(), secs}, summaries);
  if (std::filesystem::is_regular_file(a.scenario)) evaluation["scenario_path"] = std::filesystem::absolute(a.scenario).string();
  write_file_atomic(a.out / "evaluation.json", evaluation.dump(2) + "\n");
  report::ReportSources sources{.evaluation = a.out / "evaluation.json", .traces = a.out / "traces.csv", .train_dir = a.out,
                                .scenario = a.scenario, .scenario_value = {}, .episodes = {}, .selection = {},
                                .load_samples = kReportEpisodes};
  report::write_report(report::gather_report_inputs(sources), a.out / "report.html");
  log(fmt::format("model: {0}/best   progress: {0}/progress.csv   results: {0}/evaluation.json\n", a.out.string()));
}

nlohmann::json run_trace(const MainJobOptions& a, const Scenario& scenario, int threads, const Log& log) {
  const auto& series = *scenario.load.series;
  const auto n = static_cast<std::int64_t>(series.tpm.size());
  const std::int64_t minimum = minimum_trace_minutes(a.split, a.history_minutes, a.episode_minutes, a.holdout_fraction);
  if (n < minimum) {
    throw Error(fmt::format("scenario '{}': its trace has {} minutes ({:.1f} days); run needs at least {} minutes ({:.1f} "
                            "days) at --split {} with episodes of {} minutes of history and {} scored (a day of the past "
                            "held back for the gate, a day of future): use a longer trace or shorter --history-minutes / "
                            "--episode-minutes",
                            scenario.name, n, n / 1440.0, minimum, minimum / 1440.0, a.split, a.history_minutes,
                            a.episode_minutes));
  }
  const TraceSplit split = split_trace_scenario(scenario, a.split, a.history_minutes, a.episode_minutes);
  const auto when = [&](std::int64_t minute) {
    return series.start_epoch_seconds ? format_utc((*series.start_epoch_seconds + 60 * minute) * 1000)
                                      : fmt::format("minute {}", minute);
  };
  log(fmt::format("past: {} .. {} ({} minutes), future: {} .. {} ({} minutes); episodes of {} minutes of history + {} scored\n\n",
                  when(0), when(split.split_minute - 1), split.split_minute, when(split.split_minute), when(n - 1),
                  n - split.split_minute, a.history_minutes, a.episode_minutes));
  TraceJobOptions o;
  o.out = a.out;
  o.steps = a.steps > 0 ? a.steps : 8'000'000;
  o.episodes = a.episodes > 0 ? a.episodes : 60;
  o.threads = threads;
  o.tune_budget = a.tune_budget;
  o.tune_episodes = a.tune_episodes;
  o.holdout_fraction = a.holdout_fraction;
  o.base_selection = a.base_selection;
  o.operator_baseline = a.operator_baseline;
  o.train_seed = a.train_seed;
  o.config = a.config;
  o.config_label = a.config_label;
  const TraceJobResult r = run_trace_job(split, o, log);
  log(fmt::format("deployed: {0}/deployed.spec   model: {0}/best   tuned specs: {0}/baselines/   results: {0}/evaluation.json\n",
                  a.out.string()));
  return r.verdict;
}

}  // namespace

MainJobResult run_main_job(const MainJobOptions& a, const Log& log) {
  const auto t0 = std::chrono::steady_clock::now();
  const Scenario scenario = resolve_scenario(a.scenario);
  const int threads = a.threads > 0 ? a.threads : default_threads();
  const bool trace = scenario.load.kind == LoadKind::kTrace;
  if (!trace && !a.operator_baseline.empty()) {
    throw Error(fmt::format("--baseline: scenario '{}' is not a trace; the operator's baseline is compared on a trace's future",
                            scenario.name));
  }
  log(fmt::format("autoscale main job: scenario '{}' ({}), {} threads\n\n", scenario.name,
                  trace ? "a trace: tune and train on its past, gate on its last days, evaluate on its future" : "synthetic",
                  threads));
  std::filesystem::create_directories(a.out);
  MainJobResult result;
  if (trace) {
    result.verdict = run_trace(a, scenario, threads, log);
  } else {
    run_synthetic(a, scenario, threads, log);
  }
  result.report = std::filesystem::absolute(a.out / "report.html");
  log(fmt::format("report: {}   ({:.0f} s in all)\n", result.report.string(),
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
  return result;
}

}  // namespace autoscale::pipeline
