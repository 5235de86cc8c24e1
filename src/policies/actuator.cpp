#include "policies/actuator.hpp"

#include <algorithm>

namespace autoscale {

Action steer_to(const Env& env, int target) {
  const int delta = env.params().max_machine_delta;
  const int active = env.fleet().active(), have = active + env.fleet().warming();
  Action a;
  if (target > have) {
    a.add = std::min(delta, target - have);
  } else if (target < have) {
    a.remove = std::min({delta, have - target, active});
  }
  return a;
}

Action steer_ready_first(const Env& env, int desired) {
  const int delta = env.params().max_machine_delta;
  const int active = env.fleet().active(), have = active + env.fleet().warming();
  Action a;
  if (desired > have) {
    a.add = std::min(delta, desired - have);
  } else if (desired < active) {
    a.remove = std::min(delta, active - desired);
  }
  return a;
}

}  // namespace autoscale
