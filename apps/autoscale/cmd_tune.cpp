#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.hpp"
#include "validators.hpp"
#include "core/output_file.hpp"
#include "core/thread_pool.hpp"
#include "eval/tune.hpp"
#include "formats/manifest.hpp"

namespace autoscale::cli {
namespace {

struct TuneArgs {
  TuneOptions options;
  std::vector<std::string> scenarios{"seed"};
  std::string out;
};

void tune(TuneArgs a) {
  std::vector<WeightedScenario> mix;
  std::string names;
  for (const auto& s : a.scenarios) {
    mix.push_back(resolve_weighted_scenario(s));
    names += (names.empty() ? "" : ", ") + mix.back().scenario.name;
  }
  a.options.policy = formats::expand_manifest_spec(a.options.policy, mix.front().scenario.service);
  if (a.options.threads <= 0) a.options.threads = default_threads();
  fmt::print(stderr, "tuning {} on {}: {} candidates x {} training episodes (seeds {}..{})\n", a.options.policy,
             names, a.options.budget, a.options.episodes, a.options.first_seed,
             a.options.first_seed + static_cast<std::uint64_t>(a.options.episodes) - 1);
  const TuneResult r = tune_policy(mix, a.options, [](const TuneTrial& t, int i, bool improved) {
    if (improved) fmt::print(stderr, "  #{:<4} {:>10.1f}  {}\n", i, t.mean_profit, t.spec);
  });
  for (const auto& w : r.widened) fmt::print(stderr, "  ({})\n", w);
  fmt::print(stderr, "best mean training profit {:.1f}\n", r.best.mean_profit);
  if (!a.out.empty()) {
    write_file_atomic(a.out, fmt::format("# autoscale tune --policy {} --scenario {} --seed {} --episodes {} --budget {}\n"
                                         "# mean training profit {:.1f}\n{}\n",
                                         a.options.policy, fmt::join(a.scenarios, " --scenario "), a.options.first_seed, a.options.episodes,
                                         a.options.budget, r.best.mean_profit, r.best.spec));
  }
  if (a.out != "-") fmt::print("{}\n", r.best.spec);
}

}  // namespace

void add_tune(CLI::App& app) {
  auto a = std::make_shared<TuneArgs>();
  CLI::App* c = app.add_subcommand("tune", "Search a policy's parameters on training episodes; prints the best spec on stdout (progress on stderr)");
  c->add_option("--policy", a->options.policy, "policy name (hpa, target-tracking, step, simple, predictive, headroom), or a spec (e.g. @my-hpa.yaml) to start from: its keys that are not tuned stay fixed")->required();
  c->add_option("--scenario", a->scenarios,
                "built-in name or scenario TOML file; repeat to tune on a mix, NAME:WEIGHT for unequal shares")
      ->capture_default_str();
  c->add_option("--seed", a->options.first_seed, "seed of the first training episode")->capture_default_str();
  c->add_option("--episodes", a->options.episodes, "training episodes per candidate")->capture_default_str()->check(at_least(1));
  c->add_option("--budget", a->options.budget, "candidates to evaluate (the same for every policy)")->capture_default_str()->check(at_least(1));
  c->add_option("--search-seed", a->options.search_seed, "seed of the search's own randomness")->capture_default_str();
  c->add_option("--threads", a->options.threads, "worker threads (default: all cores)")->check(at_least(0));
  c->add_option("--out", a->out, "write the best spec to this file (use it as @FILE; '-' = stdout)");
  c->callback([a] { tune(*a); });
}

}  // namespace autoscale::cli
