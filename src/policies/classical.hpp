#pragma once
#include <memory>
#include <string>
#include <vector>

#include "policies/policy.hpp"
#include "policies/spec.hpp"

namespace autoscale {

struct Scenario;

// The classical (rule-based) autoscalers: Kubernetes HPA, the AWS dynamic policies (target
// tracking, step, simple), AWS-style predictive scaling, and the seed's headroom rule.

// nullptr if spec.name is not one of classical_policy_names().
std::unique_ptr<Policy> make_classical_policy(const PolicySpec& spec, const Scenario& scenario);
std::vector<std::string>
classical_policy_names();  // hpa, target-tracking, step, simple, predictive, headroom

// The search space `autoscale tune` explores for a policy: keys of its spec with bounds.
struct TunableParam {
  std::string key;
  double lo, hi;
  bool integer;
  bool log_scale;
};
// Empty for a name that is not a classical policy.
std::vector<TunableParam> tunable_params(const std::string& policy_name);

// ---- Pieces the classical policies share ----

// Offered load per in-service machine as a fraction of its nominal capacity: the utilization the
// HPA reads from pod metrics and AWS from CloudWatch (warming machines report no metric). Offered,
// not served, load: a saturated fleet must still read as over target. +inf when no machine serves.
double utilization(const Env& env);

// Machines whose nominal capacity serves `load` at utilization `target`.
int machines_for(double load, double target, double tpm_per_machine);

// True at minute 0, the reset's zero-load evaluation: no CloudWatch datapoint or pod metric exists
// yet, so metric-driven policies neither count it in an alarm nor act on it.
inline bool before_first_datapoint(const Env& env) { return env.info().minute == 0; }

// Moves the fleet toward `desired` like a controller that deletes not-yet-ready machines first
// (the ReplicaSet controller; an ASG terminating pending instances): queued orders cannot be
// cancelled here, so only serving machines beyond `desired` are removed now and the surplus
// arrivals are removed when they arrive. Unlike steer_to, a shrinking target never takes serving
// machines away in favour of ones still warming up.
Action steer_ready_first(const Env& env, int desired);

// A CloudWatch alarm on one-minute datapoints that fires after `points` consecutive breaching
// datapoints ("N out of N") and stays in ALARM while they keep breaching. Auto Scaling actions are
// re-invoked every minute the alarm stays in ALARM.
class Alarm {
 public:
  explicit Alarm(int points = 1) : points_(points) {}
  bool update(bool breaching) {
    count_ = breaching ? count_ + 1 : 0;
    return count_ >= points_;
  }
  void reset() { count_ = 0; }

 private:
  int points_;
  int count_ = 0;
};

// An AWS scaling adjustment: a machine count (ChangeInCapacity) or a percentage of the current
// capacity (PercentChangeInCapacity). Written `3` or `30pct` (or `30%`) in spec strings.
struct Adjustment {
  double value = 0;
  bool percent = false;
};
// Reads the `min` and `max` fleet-size keys shared by the classical policies: min in
// [min_floor, max_machines] (default: `min_size` as given), max in [1, max_machines] (default:
// max_machines), min <= max.
void read_fleet_limits(SpecReader& r, int max_machines, int min_floor, int& min_size, int& max_size);

// Throws Error naming `spec_text` and `key` on a malformed value.
Adjustment parse_adjustment(const std::string& spec_text, const std::string& key, const std::string& text);
// The magnitude in machines of applying `a` to `capacity`, AWS rounding: a percentage above 1
// machine rounds down, one between 0 and 1 rounds up to 1; then at least `min_magnitude` for
// percentages (MinAdjustmentMagnitude).
int adjustment_machines(const Adjustment& a, int capacity, int min_magnitude);

}  // namespace autoscale
