#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "env/env.hpp"

namespace autoscale {

// The SPEC Research Group's elasticity metrics (Herbst et al., "Ready for Rain? A View from SPEC
// Research on the Future of Cloud Metrics", SPEC-RG-2016-01; Herbst et al., "Quantifying Cloud
// Performance and Dependability", ACM TOMPECS 3(4), 2018), over an episode's scored minutes, in
// percent. Demand d_t is the machines the minute's load needs at nominal capacity,
// ceil(load / tpm_per_machine); supply s_t is the machines serving (active).
//   under/over-provisioning accuracy  theta_U = 100/T' sum max(d - s, 0) / d, theta_O likewise
//                                     (T' = minutes with demand: a minute without load has none)
//   under/over-provisioning timeshare tau_U = 100/T sum [d > s], tau_O = 100/T sum [s > d]
//   instability                       upsilon = 100/(T-1) sum min(|sgn(ds) - sgn(dd)|, 1): the
//                                     share of minute-to-minute steps where supply does not move
//                                     the way demand does
struct ElasticityMetrics {
  double under_accuracy = 0, over_accuracy = 0;    // theta_U, theta_O (% of demand)
  double under_timeshare = 0, over_timeshare = 0;  // tau_U, tau_O (% of minutes)
  double instability = 0;                          // upsilon (% of steps)
};

// Totals of one episode's scored minutes (ServiceParams::scored), accumulated minute by minute:
// what the evaluator reports per episode and what the training pool records when it auto-resets
// an environment.
struct EpisodeMetrics {
  EpisodeMetrics() = default;
  explicit EpisodeMetrics(std::uint64_t episode_seed) : seed(episode_seed) {}

  std::uint64_t seed = 0;
  double profit = 0;
  std::int64_t minutes = 0;
  std::int64_t downtime_minutes = 0;
  double availability = 0;     // fraction of minutes not down (set by finish())
  double machine_minutes = 0;  // sum over minutes of active machines
  std::int64_t load = 0;       // transactions offered
  std::int64_t served = 0;     // set by finish()
  std::int64_t failed = 0;
  // Where the profit comes from: profit = revenue - machine_cost - downtime_penalty (dollars).
  double revenue = 0, machine_cost = 0, downtime_penalty = 0;
  std::int64_t machine_starts = 0;  // machines ordered (churn)
  ElasticityMetrics elasticity;     // set by finish()

  void add(const StepInfo& i, const ServiceParams& p) {
    if (!p.scored(i.minute)) return;
    profit += i.reward;
    minutes += 1;
    downtime_minutes += i.down ? 1 : 0;
    machine_minutes += i.active;
    load += i.load;
    failed += i.failed;
    revenue += static_cast<double>(i.load - i.failed) * p.transaction_val / 1000.0;
    machine_cost += static_cast<double>(p.billed_machines(i.active, i.warming)) * p.machine_cost;
    downtime_penalty += i.down ? p.downtime_cost : 0.0;
    machine_starts += i.add;
    const auto demand = static_cast<std::int64_t>(std::ceil(static_cast<double>(i.load) / p.tpm_per_machine));
    const std::int64_t supply = i.active;
    if (demand > 0) {
      demand_minutes_ += 1;
      under_sum_ += static_cast<double>(std::max<std::int64_t>(demand - supply, 0)) / static_cast<double>(demand);
      over_sum_ += static_cast<double>(std::max<std::int64_t>(supply - demand, 0)) / static_cast<double>(demand);
    }
    under_minutes_ += demand > supply ? 1 : 0;
    over_minutes_ += supply > demand ? 1 : 0;
    if (minutes > 1) {
      const auto sgn = [](std::int64_t v) { return (v > 0) - (v < 0); };
      unstable_steps_ += std::abs(sgn(supply - last_supply_) - sgn(demand - last_demand_)) > 0 ? 1 : 0;
    }
    last_demand_ = demand;
    last_supply_ = supply;
  }
  void finish() {
    served = load - failed;
    availability = minutes ? 1.0 - static_cast<double>(downtime_minutes) / static_cast<double>(minutes) : 0;
    const auto pct = [](double part, std::int64_t whole) { return whole > 0 ? 100.0 * part / static_cast<double>(whole) : 0.0; };
    elasticity.under_accuracy = pct(under_sum_, demand_minutes_);
    elasticity.over_accuracy = pct(over_sum_, demand_minutes_);
    elasticity.under_timeshare = pct(static_cast<double>(under_minutes_), minutes);
    elasticity.over_timeshare = pct(static_cast<double>(over_minutes_), minutes);
    elasticity.instability = pct(static_cast<double>(unstable_steps_), minutes - 1);
  }

 private:
  std::int64_t demand_minutes_ = 0, under_minutes_ = 0, over_minutes_ = 0, unstable_steps_ = 0;
  double under_sum_ = 0, over_sum_ = 0;
  std::int64_t last_demand_ = 0, last_supply_ = 0;
};

}  // namespace autoscale
