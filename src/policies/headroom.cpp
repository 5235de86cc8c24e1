#include "policies/headroom.hpp"

#include <algorithm>
#include <cmath>

#include "policies/actuator.hpp"
#include "policies/signals.hpp"

namespace autoscale {

HeadroomConfig read_headroom_config(SpecReader& r) {
  HeadroomConfig c;
  c.factor = r.number("factor", c.factor, 0, 100);
  c.reserve = r.number("reserve", c.reserve, 0, 1e6);
  return c;
}

int headroom_machines(const HeadroomConfig& c, double load, double tpm_per_machine) {
  return static_cast<int>(std::ceil((load * c.factor + c.reserve) / tpm_per_machine));
}

Action HeadroomPolicy::act(const Env& env) {
  if (before_first_datapoint(env)) return {};
  target_ = std::min(headroom_machines(c_, static_cast<double>(env.info().load), env.params().tpm_per_machine),
                     env.fleet().max_machines());
  return steer_to(env, target_);
}

}  // namespace autoscale
