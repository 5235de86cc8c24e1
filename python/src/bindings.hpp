#pragma once
// Shared pieces of the `_autoscale` module. Each bind_*.cpp adds one group of classes/functions;
// module.cpp calls them in order.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/env.hpp"
#include "rl/action_space.hpp"
#include "rl/base_controller.hpp"
#include "rl/guardrail.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::py {

namespace pyb = pybind11;

void bind_scenario(pyb::module_& m);
void bind_env(pyb::module_& m);
void bind_vec_env(pyb::module_& m);
void bind_policies(pyb::module_& m);
void bind_model(pyb::module_& m);
void bind_pipeline(pyb::module_& m);
void bind_hpa(pyb::module_& m);

// A scenario argument: a built-in name, a TOML path (str or os.PathLike) or a Scenario object.
Scenario to_scenario(pyb::handle h);
// nlohmann JSON to plain Python objects, through the json module: numbers come back exactly as the
// CLI writes them.
pyb::object to_python(const nlohmann::json& j);
nlohmann::json from_python(pyb::handle h);

// What an environment is made of beyond its scenario: the observation (a name of
// kFeatureSetNames), the action space (rl::action_space_names(), as in training) and the reward
// (rl::kTrainingRewardNames).
struct EnvConfig {
  static constexpr std::size_t kMaxHeads = 8;
  Scenario scenario;
  FeatureSet features = FeatureSet::kNotebook;
  rl::ActionSpace action = rl::ActionSpace::notebook();
  // A residual action's floor, as a trainer's default config has it (rl/decision.hpp).
  rl::Guardrail guardrail;
  bool expected_reward = false;
  std::vector<int> heads;

  Env make_env() const { return Env(scenario.service, scenario.make_load(), features); }
  // Throws Error unless every index of one action is within its head; `row` >= 0 names the
  // environment of a batch in the message.
  void check(const std::int64_t* choice, std::int64_t row = -1) const;
  // The action one checked choice takes in `env`, by the training rollout's own path
  // (rl::decide, Stage::kTraining: a residual choice is floored); `base` is the env's residual base
  // controller (inert for the other kinds), which acts on this minute first.
  Action decode(const std::int64_t* choice, const Env& env, rl::BaseController& base) const;
  // The reward handed to the learner for a minute: realized, or its expectation over the capacity draw.
  double reward(const StepInfo& minute, double realized) const;
  std::vector<std::string> head_names() const;
};
EnvConfig make_env_config(pyb::handle scenario, const std::string& observation, const std::string& action,
                          const std::string& reward, std::optional<std::int64_t> minutes);

// The environment inside an autoscale.CoreEnv object (policies act on it) and its configuration.
const Env& core_env(pyb::handle core);
const EnvConfig& core_env_config(pyb::handle core);

// A step's or reset's info for one environment, as a dict (Gymnasium's info).
pyb::dict info_dict(const StepInfo& i);
// An array's shape as Python prints it, e.g. "(64, 2)", for error messages.
std::string shape_of(const pyb::array& a);
// An integer action array (any integer dtype), as contiguous int64; rejects floats and other kinds.
pyb::array_t<std::int64_t> integer_actions(pyb::handle actions, const char* what);

}  // namespace autoscale::py
