#pragma once
// Shared by the policy tests: hand-computable environments and a way to drive a policy.
#include <string>
#include <vector>

#include "core/error.hpp"
#include "eval/policy_factory.hpp"
#include "policies/classical.hpp"
#include "policies/run_episode.hpp"
#include "scenario/scenario.hpp"
#include "scripted_load.hpp"

namespace autoscale::testing {

// Capacity exactly active * 300 tpm: hand-computable utilizations.
inline ServiceParams exact_params(int initial) {
  ServiceParams p;
  p.tpm_sigma = 0;
  p.initial_machines = initial;
  p.max_time_steps = 100000;
  return p;
}

inline Env scripted_env(int initial, std::vector<std::int64_t> loads) {
  return Env(exact_params(initial), std::make_unique<ScriptedLoad>(std::move(loads)));
}

inline const Scenario& seed_scenario() {
  static const Scenario s = resolve_scenario("seed");
  return s;
}

inline std::unique_ptr<Policy> make(const std::string& text) {
  auto p = make_classical_policy(parse_policy_spec(text), seed_scenario().service);
  if (!p) throw Error("not a classical policy: " + text);
  return p;
}

template <class T>
T& as(Policy& p) {
  return dynamic_cast<T&>(p);
}

// Load of `machines` machines at `utilization` of 300 tpm each.
inline std::int64_t load_at(int machines, double utilization) { return std::llround(machines * 300 * utilization); }

// Runs minutes 0 .. minutes - 1 of act/step and returns the action taken after each minute.
inline std::vector<Action> drive(Env& env, Policy& policy, int minutes) {
  env.reset(0);
  policy.reset(env);
  std::vector<Action> actions;
  for (int m = 0; m < minutes; ++m) {
    actions.push_back(policy.act(env));
    env.step(actions.back());
  }
  return actions;
}

inline std::string error_of(const std::string& text) {
  try {
    make(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace autoscale::testing
