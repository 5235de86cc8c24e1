#include <fmt/format.h>

#include "commands.hpp"
#include "core/thread_pool.hpp"
#include "eval/episode.hpp"

namespace autoscale::cli {
namespace {

struct RunArgs {
  std::string scenario = "seed";
  int episodes = 8;
  int threads = 0;
};

void run(const RunArgs& a) {
  const Scenario scenario = resolve_scenario(a.scenario);
  std::vector<PolicySpec> specs;
  for (const char* s : {"noop", "static:20", "static:30", "static:40"}) specs.push_back(parse_policy_spec(s));
  const int threads = a.threads > 0 ? a.threads : default_threads();
  fmt::print("autoscale: scenario '{}', {} episodes of {} minutes, {} threads\n", scenario.name, a.episodes,
             scenario.service.episode_steps(), threads);
  const auto runs = run_policies(scenario, specs, 1000000, a.episodes, threads, false);
  fmt::print("{:<12} {:>12} {:>10} {:>13} {:>16}\n", "policy", "mean profit", "downtime", "availability", "machine-minutes");
  for (const auto& r : runs) {
    double profit = 0, down = 0, avail = 0, mm = 0;
    for (const auto& e : r.episodes) {
      profit += e.profit;
      down += static_cast<double>(e.downtime_minutes);
      avail += e.availability;
      mm += e.machine_minutes;
    }
    const double n = static_cast<double>(r.episodes.size());
    fmt::print("{:<12} {:>12.1f} {:>10.1f} {:>12.2f}% {:>16.0f}\n", r.spec, profit / n, down / n, 100 * avail / n, mm / n);
  }
}

}  // namespace

void add_run(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* c = app.add_subcommand("run", "The main job on the embedded default scenario: simulate and summarize");
  c->add_option("--scenario", a->scenario, "built-in name or scenario TOML file")->capture_default_str();
  c->add_option("--episodes", a->episodes, "evaluation episodes")->capture_default_str()->check(CLI::PositiveNumber);
  c->add_option("--threads", a->threads, "worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
  c->callback([a] { run(*a); });
}

}  // namespace autoscale::cli
