#include <fmt/format.h>

#include <chrono>
#include <optional>

#include "commands.hpp"
#include "validators.hpp"
#include "core/output_file.hpp"
#include "core/error.hpp"
#include "core/thread_pool.hpp"
#include "formats/manifest.hpp"
#include "eval/policy_factory.hpp"
#include "eval/run_policies.hpp"

namespace autoscale::cli {
namespace {

struct SimulateArgs {
  std::string scenario = "seed";
  std::uint64_t seed = 0;
  int episodes = 1;
  std::int64_t minutes = 0;
  std::string policy = "noop";
  int threads = 0;
  std::string trace_out;
  std::string json = "-";
};

nlohmann::json summarize(const PolicyRun& run) {
  nlohmann::json eps = nlohmann::json::array();
  double profit = 0;
  for (const auto& e : run.episodes) {
    eps.push_back(to_json(e));
    profit += e.profit;
  }
  return {{"policy", run.spec},
          {"mean_profit", run.episodes.empty() ? 0.0 : profit / static_cast<double>(run.episodes.size())},
          {"episodes", eps}};
}

void simulate(const SimulateArgs& a) {
  Scenario scenario = resolve_scenario(a.scenario);
  if (a.minutes > 0) scenario.set_episode_minutes(a.minutes);
  if (a.json == "-" && a.trace_out == "-") {
    throw CLI::ValidationError("--trace-out - needs --json FILE: the summary and the trace cannot both take stdout");
  }
  const PolicySpec spec = parse_policy_spec(formats::expand_manifest_spec(a.policy, scenario.service));
  validate_policy(spec, scenario);
  const int threads = a.threads > 0 ? a.threads : default_threads();
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<MinuteTraceWriter> traces;
  if (!a.trace_out.empty()) traces.emplace(a.trace_out, a.episodes);
  auto runs = run_policies(scenario, {spec}, a.seed, a.episodes, threads, traces ? &*traces : nullptr);
  if (traces) traces->commit();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::int64_t steps = 0;
  for (const auto& e : runs[0].episodes) steps += e.minutes;
  nlohmann::json out = {{"scenario", scenario.name},
                        {"first_seed", a.seed},
                        {"episodes", a.episodes},
                        {"minutes_per_episode", scenario.service.episode_steps()},
                        {"threads", threads},
                        {"policies", nlohmann::json::array({summarize(runs[0])})},
                        {"steps", steps},
                        {"seconds", secs},
                        {"steps_per_second", secs > 0 ? static_cast<double>(steps) / secs : 0.0}};
  write_file_atomic(a.json, out.dump(2) + "\n");
}

}  // namespace

void add_simulate(CLI::App& app) {
  auto a = std::make_shared<SimulateArgs>();
  CLI::App* c = app.add_subcommand("simulate", "Run a policy on a scenario and print a JSON summary");
  c->add_option("--scenario", a->scenario, "built-in name (seed, seed-weekly) or a scenario TOML file")->capture_default_str();
  c->add_option("--seed", a->seed, "seed of the first episode (episode k uses seed + k)")->capture_default_str();
  c->add_option("--episodes", a->episodes, "number of episodes")->capture_default_str()->check(at_least(1));
  c->add_option("--minutes", a->minutes, "episode length in minutes (default: the scenario's)")->check(at_least(1));
  c->add_option("--policy", a->policy, "policy spec (noop, static:N, hpa, ..., oracle, ppo:DIR/model, @FILE)")->capture_default_str();
  c->add_option("--threads", a->threads, "worker threads (default: all cores)")->check(at_least(0));
  c->add_option("--json", a->json, "where the JSON summary goes ('-' = stdout)")->capture_default_str();
  c->add_option("--trace-out", a->trace_out, "stream one CSV row per episode-minute to this file ('-' = stdout)");
  c->callback([a] { simulate(*a); });
}

}  // namespace autoscale::cli
