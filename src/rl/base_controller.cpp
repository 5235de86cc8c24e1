#include "rl/base_controller.hpp"

#include "core/error.hpp"
#include "policies/classical.hpp"

namespace autoscale::rl {

BaseController::BaseController(const ActionSpace& action, const ServiceParams& params) {
  if (action.kind != ActionKind::kResidual) return;
  policy_ = make_classical_policy(parse_policy_spec(action.base_policy), params);
  if (!policy_) throw Error("residual action: base_policy '" + action.base_policy + "' is not a classical policy");
}

void BaseController::reset(const Env& env) {
  if (policy_) policy_->reset(env);
  action_ = {};
  fleet_ = env.fleet().active() + env.fleet().warming();
}

void BaseController::observe(const Env& env) {
  if (!policy_) return;
  action_ = policy_->act(env);
  fleet_ = env.fleet().active() + env.fleet().warming() + action_.add - action_.remove;
}

}  // namespace autoscale::rl
