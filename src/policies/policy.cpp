#include "policies/policy.hpp"

#include "policies/actuator.hpp"

namespace autoscale {

Action StaticPolicy::act(const Env& env) { return steer_to(env, target_); }

}  // namespace autoscale
