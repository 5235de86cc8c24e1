#include "policies/policy.hpp"

#include <algorithm>

namespace autoscale {

Action steer_to(const Env& env, int target) {
  const int delta = env.params().max_machine_delta;
  const int active = env.fleet().active(), warming = env.fleet().warming();
  const int have = active + warming;
  Action a;
  if (target > have) {
    a.add = std::min(delta, target - have);
  } else if (target < have) {
    // Only active machines can be removed; queued orders cannot be cancelled.
    a.remove = std::min({delta, have - target, active});
  }
  return a;
}

Action StaticPolicy::act(const Env& env) { return steer_to(env, target_); }

}  // namespace autoscale
