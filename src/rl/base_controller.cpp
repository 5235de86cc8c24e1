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
  // Inert, it proposes no fleet (0), so the guardrail's base floor holds nothing up.
  fleet_ = policy_ ? env.fleet().active() + env.fleet().warming() : 0;
}

void BaseController::observe(const Env& env) {
  if (!policy_) return;
  action_ = policy_->act(env);
  // Its target, not where this minute's capped move leaves the fleet: a controller ten machines
  // short proposes ten more than it can add in one minute.
  const int desired = policy_->desired_fleet();
  fleet_ = desired >= 0 ? desired : env.fleet().active() + env.fleet().warming() + action_.add - action_.remove;
}

}  // namespace autoscale::rl
