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
  // The seed counts a minute with zero load as down (its served/load test divides 0 by ~0). True
  // keeps that rule (the seed scenarios); false is what a real service means: a minute nobody
  // asked anything of is not an outage (trace scenarios, where zero rows are logging gaps).
  bool zero_load_is_down = true;
  // Whether a machine costs from the minute it is ordered (true: what clouds bill, a VM or pod is
  // paid for while it boots) or only once it serves (false: the seed's model, where warming
  // machines are free, so ordering and dropping machines costs nothing but their active minutes).
  // The seed scenarios keep false; trace scenarios default to true.
  bool warmup_billed = false;
  // Minutes at the start of each episode that give policies their history (a day of it for
  // seasonal forecasts) and are not scored: profits and metrics count the minutes after them.
  std::int64_t history_minutes = 0;

  // The seed's fleet cap: int(2.5 * max_tpm / tpm_per_machine).
  int max_machines() const { return static_cast<int>(2.5 * max_tpm / tpm_per_machine); }
  std::int64_t episode_steps() const { return max_time_steps + 1; }
  // Whether minute m (1, 2, ...) of an episode counts in its profit and metrics.
  bool scored(std::int64_t minute) const { return minute > history_minutes; }
  // The machines a minute is billed for: the serving ones, and the warming ones when warm-up is billed.
  int billed_machines(int active, int warming) const { return active + (warmup_billed ? warming : 0); }
};

}  // namespace autoscale
