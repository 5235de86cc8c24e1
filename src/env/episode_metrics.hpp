#pragma once
#include <cstdint>

#include "env/env.hpp"

namespace autoscale {

// Totals of one episode's scored minutes (ServiceParams::scored), accumulated minute by minute:
// what the evaluator reports per episode and what the training pool records when it auto-resets
// an environment.
struct EpisodeMetrics {
  std::uint64_t seed = 0;
  double profit = 0;
  std::int64_t minutes = 0;
  std::int64_t downtime_minutes = 0;
  double availability = 0;     // fraction of minutes not down (set by finish())
  double machine_minutes = 0;  // sum over minutes of active machines
  std::int64_t load = 0;       // transactions offered
  std::int64_t served = 0;     // set by finish()
  std::int64_t failed = 0;

  void add(const StepInfo& i, const ServiceParams& p) {
    if (!p.scored(i.minute)) return;
    profit += i.reward;
    minutes += 1;
    downtime_minutes += i.down ? 1 : 0;
    machine_minutes += i.active;
    load += i.load;
    failed += i.failed;
  }
  void finish() {
    served = load - failed;
    availability = minutes ? 1.0 - static_cast<double>(downtime_minutes) / static_cast<double>(minutes) : 0;
  }
};

}  // namespace autoscale
