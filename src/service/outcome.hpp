#pragma once
#include <cstdint>

#include "service/params.hpp"

namespace autoscale {

// What one minute of service earns, given its load, the fleet's realised capacity and size.
struct MinuteOutcome {
  std::int64_t failed = 0;
  std::int64_t served = 0;
  bool down = false;
  double reward = 0;
};

inline bool is_down(const ServiceParams& p, std::int64_t load, std::int64_t served) {
  // The seed's test, with its 1e-20 guard, which makes a minute with zero load down.
  if (load == 0) return p.zero_load_is_down;
  return 100.0 * static_cast<double>(served) / (static_cast<double>(load) + 1e-20) < p.downtime_percent;
}

// `warming` machines cost only when the service bills warm-up (ServiceParams::warmup_billed).
inline MinuteOutcome minute_outcome(const ServiceParams& p, std::int64_t load, std::int64_t capacity, int active,
                                    int warming) {
  MinuteOutcome o;
  o.failed = load > capacity ? load - capacity : 0;
  o.served = load - o.failed;
  o.down = is_down(p, load, o.served);
  o.reward = static_cast<double>(o.served) * p.transaction_val / 1000.0 - (o.down ? p.downtime_cost : 0.0) -
             static_cast<double>(p.billed_machines(active, warming)) * p.machine_cost;
  return o;
}

// Capacity of `active` machines in a minute whose per-machine draw is `z` standard deviations off.
inline std::int64_t fleet_capacity(const ServiceParams& p, std::int64_t active, double z) {
  const double c = static_cast<double>(active) * (p.tpm_per_machine + p.tpm_sigma * z);
  return c > 0 ? static_cast<std::int64_t>(c) : 0;
}

// Expected reward of one minute with `load` and `active` machines over the capacity draw (exact up
// to the integer truncation of capacity, which is worth under half a transaction). The
// load-clairvoyant oracle plans with it, and training may use it as a lower-variance reward with
// the same optimal policy, since the capacity draw is independent of everything a policy sees.
double expected_minute_reward(const ServiceParams& p, std::int64_t load, int active, int warming);

}  // namespace autoscale
