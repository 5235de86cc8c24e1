#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <unistd.h>

#include "commands.hpp"
#include "validators.hpp"
#include "core/output_file.hpp"
#include "core/thread_pool.hpp"
#include "eval/evaluation.hpp"
#include "policies/classical.hpp"
#include "report/report_html.hpp"
#include "rl/ppo.hpp"

namespace autoscale::cli {
namespace {

constexpr int kReportEpisodes = 3;  // evaluation episodes whose minutes the report shows

struct RunArgs {
  std::string scenario = "seed";
  std::int64_t steps = 12'000'000;
  int episodes = 30;
  std::string out = "runs/main";
  std::string baselines = "baselines";
  int threads = 0;
};

// The tuned classical policies for a scenario: baselines/<scenario>/*.spec (written by
// `autoscale tune --out`), or each policy's defaults where none was tuned.
std::vector<std::string> baseline_specs(const std::string& dir, const std::string& scenario) {
  std::vector<std::string> specs;
  for (const auto& name : classical_policy_names()) {
    const auto file = std::filesystem::path(dir) / scenario / (name + ".spec");
    specs.push_back(std::filesystem::exists(file) ? expand_spec("@" + file.string()) : name);
  }
  return specs;
}

void run(const RunArgs& a) {
  const Scenario scenario = resolve_scenario(a.scenario);
  const int threads = a.threads > 0 ? a.threads : default_threads();
  fmt::print("autoscale main job: scenario '{}' ({} minutes per episode), {} threads\n\n", scenario.name,
             scenario.service.episode_steps(), threads);

  fmt::print("1/2 training PPO (default config) for {} steps -> {}/\n", a.steps, a.out);
  std::fflush(stdout);
  rl::TrainOptions o;
  o.scenarios = {{scenario, 1.0}};
  o.total_steps = a.steps;
  o.out_dir = a.out;
  o.config = rl::preset_config("default");
  o.threads = threads;
  const bool tty = isatty(fileno(stdout));
  const auto trained = rl::train(o, [&](const rl::ProgressRow& r) {
    const double pct = 100.0 * static_cast<double>(r.steps) / static_cast<double>(a.steps);
    if (tty) {
      fmt::print("\r    {:>5.1f}%  {:>6.0f} steps/s  validation profit {}   ", pct, r.steps_per_second,
                 r.validation_profit ? fmt::format("{:.0f}", *r.validation_profit) : std::string("..."));
    } else if (r.validation_profit) {
      fmt::print("    {:>5.1f}%  {:>6.0f} steps/s  validation profit {:.0f}\n", pct, r.steps_per_second, *r.validation_profit);
    }
    std::fflush(stdout);
  });
  fmt::print("{}    {} steps in {:.0f} s ({:.0f} steps/s), best validation profit {:.0f}\n\n", tty ? "\n" : "", trained.steps,
             trained.seconds, trained.steps_per_second, trained.best_validation_profit.value_or(0));

  std::vector<PolicySpec> specs{parse_policy_spec("ppo:" + (std::filesystem::path(a.out) / "best").string())};
  for (const auto& s : baseline_specs(a.baselines, scenario.name)) specs.push_back(parse_policy_spec(s));
  for (const char* s : {"oracle-load", "oracle"}) specs.push_back(parse_policy_spec(s));
  const std::uint64_t first_seed = 5'000'000;  // never used by training, validation or tuning
  fmt::print("2/2 evaluating on {} unseen episodes (seeds {}..{}), tuned baselines from {}/{}/\n\n", a.episodes, first_seed,
             first_seed + static_cast<std::uint64_t>(a.episodes) - 1, a.baselines, scenario.name);
  const std::filesystem::path out(a.out);
  MinuteTraceWriter traces(out / "traces.csv", a.episodes, kReportEpisodes);  // the report's timelines
  const auto t0 = std::chrono::steady_clock::now();
  const auto summaries = summarize(run_policies(scenario, specs, first_seed, a.episodes, threads, &traces));
  traces.commit();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("{}\n", format_table(summaries));
  nlohmann::json evaluation =
      evaluation_document({scenario.name, first_seed, a.episodes, scenario.service.episode_steps(), secs}, summaries);
  if (std::filesystem::is_regular_file(a.scenario)) evaluation["scenario_path"] = std::filesystem::absolute(a.scenario).string();
  write_file_atomic(out / "evaluation.json", evaluation.dump(2) + "\n");
  report::ReportSources sources{.evaluation = out / "evaluation.json", .traces = out / "traces.csv", .train_dir = out,
                                .scenario = a.scenario, .selection = {}, .load_samples = 3};
  report::write_report(report::gather_report_inputs(sources), out / "report.html");
  fmt::print("model: {0}/best   progress: {0}/progress.csv   results: {0}/evaluation.json\n", a.out);
  fmt::print("report: {}\n", std::filesystem::absolute(out / "report.html").string());
}

}  // namespace

void add_run(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* c = app.add_subcommand("run", "The main job: train PPO on a scenario, evaluate it against tuned baselines and oracles");
  c->add_option("--scenario", a->scenario, "built-in name or scenario TOML file")->capture_default_str();
  c->add_option("--steps", a->steps, "training steps")->capture_default_str()->check(at_least(1));
  c->add_option("--episodes", a->episodes, "evaluation episodes")->capture_default_str()->check(at_least(1));
  c->add_option("--out", a->out, "output directory")->capture_default_str();
  c->add_option("--baselines", a->baselines, "directory of tuned baseline specs (<dir>/<scenario>/<policy>.spec)")->capture_default_str();
  c->add_option("--threads", a->threads, "worker threads (default: all cores)")->check(at_least(0));
  c->callback([a] { run(*a); });
}

}  // namespace autoscale::cli
