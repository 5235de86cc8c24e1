#pragma once
// The one path from a network's choice to the action the environment takes, called by the
// training rollout (ppo.cpp), a deployed model (LearnedPolicy) and the Python environments, as
// CleanRL's get_action_and_value is one function for rollout and update. Before it, in every
// minute and whoever decides, the residual controller has observed the minute (BaseController::
// observe), so its proposal is this minute's.
#include "env/env.hpp"
#include "env/features.hpp"
#include "rl/action_space.hpp"
#include "rl/base_controller.hpp"
#include "rl/guardrail.hpp"

namespace autoscale::rl {

// Where a decision is taken. The floor is part of a residual action (it bounds how far the network
// may trim its controller, and binds often), so it applies in training as in deployment. For the
// other actions it is a safety net at deployment that a trained policy rarely meets; trained with,
// it would make the executed action differ from the sampled one in exploring minutes, noise in
// PPO's gradient (validation could not tell the two apart on `seed`).
enum class Stage { kTraining, kDeployment };

struct Decision {
  Action action;
  bool floored = false;  // the guardrail's floor overruled the network
};

// `choice` holds one category index per head of `space`.
Decision decide(const ActionSpace& space, const Guardrail& guardrail, Stage stage, const int* choice, const Env& env,
                const Features& features, const BaseController& base);

}  // namespace autoscale::rl
