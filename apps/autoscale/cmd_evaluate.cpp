#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <iostream>

#include "commands.hpp"
#include "validators.hpp"
#include "core/output_file.hpp"
#include "core/error.hpp"
#include "core/thread_pool.hpp"
#include "eval/evaluation.hpp"
#include "eval/policy_factory.hpp"
#include "formats/manifest.hpp"

namespace autoscale::cli {
namespace {

struct EvaluateArgs {
  std::string scenario = "seed";
  std::uint64_t seed = 1000000;
  int episodes = 100;
  std::string policies = "oracle,oracle-load,noop";
  std::string json;
  std::string trace_out;
  int keep_traces = -1;
  int threads = 0;
};

void evaluate(const EvaluateArgs& a) {
  const Scenario scenario = resolve_scenario(a.scenario);
  std::vector<PolicySpec> specs;
  for (const auto& text : split_policy_list(a.policies)) {
    specs.push_back(parse_policy_spec(formats::expand_manifest_spec(text, scenario.service)));
    validate_policy(specs.back(), scenario);
  }
  if (specs.empty()) throw Error("--policies names no policy");
  if (a.json == "-" && a.trace_out == "-") throw CLI::ValidationError("--json - and --trace-out - cannot both take stdout");
  // The table is for people: it moves to stderr when stdout carries machine output.
  std::FILE* table = a.json == "-" || a.trace_out == "-" ? stderr : stdout;
  const int threads = a.threads > 0 ? a.threads : default_threads();
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<MinuteTraceWriter> traces;
  if (!a.trace_out.empty()) traces.emplace(a.trace_out, a.episodes, a.keep_traces);
  const auto runs = run_policies(scenario, specs, a.seed, a.episodes, threads, traces ? &*traces : nullptr);
  if (traces) traces->commit();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto summaries = summarize(runs);
  fmt::print(table, "scenario '{}': {} episodes (seeds {}..{}), {} minutes each, {:.1f} s on {} threads\n\n",
             scenario.name, a.episodes, a.seed, a.seed + static_cast<std::uint64_t>(a.episodes) - 1,
             scenario.service.episode_steps(), secs, threads);
  fmt::print(table, "{}", format_table(summaries));
  if (!a.json.empty()) {
    const EvaluationSetup setup{scenario.name, a.seed, a.episodes, scenario.service.episode_steps(), secs};
    nlohmann::json doc = evaluation_document(setup, summaries);
    // A scenario file, so that `autoscale report` can draw its loads.
    if (std::filesystem::is_regular_file(a.scenario)) doc["scenario_path"] = std::filesystem::absolute(a.scenario).string();
    write_file_atomic(a.json, doc.dump(2) + "\n");
  }
}

}  // namespace

void add_evaluate(CLI::App& app) {
  auto a = std::make_shared<EvaluateArgs>();
  CLI::App* c = app.add_subcommand("evaluate", "Every policy on the same episodes: profit with 95% CIs, % of oracles, paired comparison");
  c->add_option("--scenario", a->scenario, "built-in name or scenario TOML file")->capture_default_str();
  c->add_option("--seed", a->seed, "seed of the first episode (episode k uses seed + k)")->capture_default_str();
  c->add_option("--episodes", a->episodes, "number of episodes")->capture_default_str()->check(at_least(1));
  c->add_option("--policies", a->policies, "comma-separated policy specs (name:k=v,k=v,... or @FILE)")->capture_default_str();
  c->add_option("--json", a->json, "write the results as JSON to this file ('-' = stdout)");
  c->add_option("--trace-out", a->trace_out, "stream one CSV row per policy-episode-minute to this file ('-' = stdout)");
  c->add_option("--keep-traces", a->keep_traces, "with --trace-out: only the first N episodes of each policy")->check(at_least(0));
  c->add_option("--threads", a->threads, "worker threads (default: all cores)")->check(at_least(0));
  c->callback([a] { evaluate(*a); });
}

}  // namespace autoscale::cli
