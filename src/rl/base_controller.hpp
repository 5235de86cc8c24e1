#pragma once
#include <memory>

#include "policies/policy.hpp"
#include "rl/action_space.hpp"

namespace autoscale::rl {

// The classical controller inside a residual learned policy (ActionKind::kResidual). It acts every
// minute on what the environment shows; its proposal (the fleet its action would leave) is what
// the network adjusts, and in a minute the guardrail does not trust the network, its action is
// taken as it is. Inert for the other action kinds.
class BaseController {
 public:
  BaseController(const ActionSpace& action, const ServiceParams& params);
  bool active() const { return policy_ != nullptr; }
  void reset(const Env& env);
  // Lets the controller act on this minute; read fleet() (its target fleet) and action() after it.
  void observe(const Env& env);
  int fleet() const { return fleet_; }  // 0 when inert
  const Action& action() const { return action_; }

 private:
  std::unique_ptr<Policy> policy_;
  Action action_;
  int fleet_ = 0;
};

}  // namespace autoscale::rl
