// Policies by spec string, evaluation and tuning: the CLI's numbers, as Python dicts.
#include <fmt/format.h>

#include <chrono>

#include "bindings.hpp"
#include "core/error.hpp"
#include "core/thread_pool.hpp"
#include "eval/evaluation.hpp"
#include "eval/policy_factory.hpp"
#include "eval/run_policies.hpp"
#include "eval/tune.hpp"

namespace autoscale::py {
namespace {

// Any policy spec (`hpa:target=0.6`, `oracle-load`, `ppo:DIR/model`, `@FILE`) made by the same
// factory as the CLI's, acting on an autoscale.Env's simulator. The scenario given at construction
// validates the spec; each reset(env) makes the policy for that environment's scenario.
class CorePolicy {
 public:
  CorePolicy(const std::string& text, pyb::handle scenario)
      : spec_(parse_policy_spec(text)), scenario_(to_scenario(scenario)), policy_(make_policy(spec_, scenario_)) {}

  void reset(pyb::handle core) {
    // A fresh instance per episode, as the evaluator makes them (no state leaks between episodes),
    // for the environment's own scenario.
    policy_ = make_policy(spec_, core_env_config(core).scenario);
    policy_->reset(checked_env(core));
    reset_seen_ = true;
  }

  pyb::array_t<std::int64_t> act(pyb::handle core) {
    const Env& env = checked_env(core);
    if (!reset_seen_) throw Error("act() before reset(env): reset the policy after resetting the environment");
    const Action a = policy_->act(env);
    pyb::array_t<std::int64_t> out(2);
    out.mutable_at(0) = a.add;
    out.mutable_at(1) = a.remove;
    return out;
  }

  const PolicySpec& spec() const { return spec_; }

 private:
  const Env& checked_env(pyb::handle core) const {
    const EnvConfig& c = core_env_config(core);
    if (c.action.kind != rl::ActionKind::kNotebook) {
      throw Error(fmt::format("policy '{}' acts in machines (add, remove): use an Env with action='seed', not '{}'",
                              spec_.text, c.action.name()));
    }
    return core_env(core);
  }

  PolicySpec spec_;
  Scenario scenario_;
  std::unique_ptr<Policy> policy_;
  bool reset_seen_ = false;
};

std::vector<PolicySpec> parse_specs(pyb::handle policies, const Scenario& scenario) {
  std::vector<std::string> texts;
  if (pyb::isinstance<pyb::str>(policies)) {
    texts = split_policy_list(policies.cast<std::string>());
  } else {
    for (pyb::handle h : policies) {
      if (!pyb::isinstance<pyb::str>(h)) throw pyb::type_error("policies must be spec strings (e.g. 'hpa:target=0.6')");
      texts.push_back(h.cast<std::string>());
    }
  }
  std::vector<PolicySpec> specs;
  for (const auto& t : texts) {
    specs.push_back(parse_policy_spec(t));
    validate_policy(specs.back(), scenario);
  }
  if (specs.empty()) throw Error("policies names no policy");
  return specs;
}

int threads_or_default(int threads) { return threads > 0 ? threads : default_threads(); }

}  // namespace

void bind_policies(pyb::module_& m) {
  pyb::class_<CorePolicy>(m, "CorePolicy", "A policy made from a spec string (use autoscale.Policy).")
      .def(pyb::init<const std::string&, pyb::handle>(), pyb::arg("spec"), pyb::arg("scenario"))
      .def("reset", &CorePolicy::reset, pyb::arg("env"))
      .def("act", &CorePolicy::act, pyb::arg("env"))
      .def_property_readonly("spec", [](const CorePolicy& p) { return p.spec().text; })
      .def_property_readonly("name", [](const CorePolicy& p) { return p.spec().name; });

  m.def("policy_names", &known_policy_names, "every kind of policy a spec string can name");

  m.def(
      "evaluate",
      [](pyb::handle policies, pyb::handle scenario_arg, std::uint64_t seed, int episodes, int threads) {
        if (episodes < 1) throw Error(fmt::format("episodes must be at least 1, got {}", episodes));
        const Scenario scenario = to_scenario(scenario_arg);
        const auto specs = parse_specs(policies, scenario);
        const int n_threads = threads_or_default(threads);
        std::vector<PolicyRun> runs;
        double secs = 0;
        {
          pyb::gil_scoped_release nogil;
          const auto t0 = std::chrono::steady_clock::now();
          runs = run_policies(scenario, specs, seed, episodes, n_threads);
          secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        // The same document as `autoscale evaluate --json`.
        const EvaluationSetup setup{scenario.name, seed, episodes, scenario.service.episode_steps(), secs};
        return to_python(evaluation_document(setup, summarize(runs)));
      },
      pyb::arg("policies"), pyb::arg("scenario") = "seed", pyb::arg("seed") = 1000000, pyb::arg("episodes") = 100,
      pyb::arg("threads") = 0,
      "Every policy on the same episodes (seeds seed .. seed + episodes - 1): the dict `autoscale evaluate --json` writes.");

  m.def(
      "tune",
      [](const std::string& policy, pyb::handle scenario_arg, std::uint64_t seed, int episodes, int budget, int threads,
         std::uint64_t search_seed) {
        const Scenario scenario = to_scenario(scenario_arg);
        TuneOptions o;
        o.policy = policy;
        o.first_seed = seed;
        o.episodes = episodes;
        o.budget = budget;
        o.threads = threads_or_default(threads);
        o.search_seed = search_seed;
        TuneResult r;
        {
          pyb::gil_scoped_release nogil;
          r = tune_policy(scenario, o);
        }
        nlohmann::json trials = nlohmann::json::array();
        for (const auto& t : r.trials) trials.push_back({{"spec", t.spec}, {"mean_profit", t.mean_profit}});
        return to_python({{"policy", policy},
                          {"scenario", scenario.name},
                          {"best", {{"spec", r.best.spec}, {"mean_profit", r.best.mean_profit}}},
                          {"trials", trials}});
      },
      pyb::arg("policy"), pyb::arg("scenario") = "seed", pyb::arg("seed") = 0, pyb::arg("episodes") = 20,
      pyb::arg("budget") = 100, pyb::arg("threads") = 0, pyb::arg("search_seed") = 1,
      "Searches a classical policy's parameters on training episodes, as `autoscale tune`: the best spec and every trial.");
}

}  // namespace autoscale::py
