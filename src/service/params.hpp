#pragma once
#include <cstdint>

namespace autoscale {

// The service's constants, with the seed's parameter names and defaults (docs/seed-model.md).
struct ServiceParams {
  int warmup_latency = 5;          // minutes between ordering a machine and it serving
  double tpm_per_machine = 300;    // mean capacity of one machine, transactions per minute
  double tpm_sigma = 30;           // sd of the per-minute capacity draw (one draw for the fleet)
  double machine_cost = 0.05;      // dollars per machine-minute
  double transaction_val = 0.90;   // dollars per 1000 served transactions
  double downtime_cost = 200;      // dollars per minute in downtime
  double downtime_percent = 99.5;  // a minute is down when fewer than this % of its load is served
  int initial_machines = 50;
  std::int64_t max_time_steps = 10000;  // episode ends when the step counter exceeds this
  int max_machine_delta = 10;           // add and remove are each at most this per minute
  double max_tpm = 100000;              // load clamp, and the load observation's scale

  // The seed's fleet cap: int(2.5 * max_tpm / tpm_per_machine).
  int max_machines() const { return static_cast<int>(2.5 * max_tpm / tpm_per_machine); }
  std::int64_t episode_steps() const { return max_time_steps + 1; }
};

}  // namespace autoscale
