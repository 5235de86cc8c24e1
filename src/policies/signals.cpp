#include "policies/signals.hpp"

#include <cmath>
#include <limits>

namespace autoscale {

double utilization(const Env& env) {
  const double load = static_cast<double>(env.info().load);
  const int active = env.fleet().active();
  if (active <= 0) return load > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return load / (active * env.params().tpm_per_machine);
}

int machines_for(double load, double target, double tpm_per_machine) {
  // The epsilon keeps an exact multiple (e.g. 9000 tpm at 300 x 0.6 = 50) from rounding up.
  return static_cast<int>(std::ceil(load / (target * tpm_per_machine) - 1e-9));
}

}  // namespace autoscale
