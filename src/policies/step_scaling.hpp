#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "policies/actuator.hpp"
#include "policies/aws_scaling.hpp"
#include "policies/signals.hpp"
#include "policies/policy.hpp"
#include "policies/spec.hpp"

namespace autoscale {

// AWS step scaling (EC2 Auto Scaling). Two user-made CloudWatch alarms on the utilization metric
// (one datapoint per minute, warming machines excluded): a high alarm (metric > high for
// out_points consecutive datapoints) drives the scale-out table, a low alarm (metric < low for
// in_points datapoints) the scale-in table. Each table row gives a lower bound of the breach
// (|metric - threshold|, so the rows are relative to the alarm threshold as AWS's
// MetricIntervalLowerBound; a row ends where the next begins, the last is unbounded) and an
// adjustment of the current capacity (in-service machines), a count or a percentage.
// Spec syntax: `out=0>10pct|0.1>20pct|0.25>50pct`: breaches in [0, 0.1) add 10 %, and so on.
// Scale-out: the desired capacity becomes max(desired, in-service + adjustment), so machines
// already warming count toward it and repeated alarms in the same step add nothing more.
// Scale-in: in-service - adjustment, only when no machine is warming up (a warming machine
// would be counted neither in the metric nor in the capacity the step is taken from).
struct StepRow {
  double lower = 0;  // breach size where this row starts
  Adjustment adjustment;
};

// What step and simple scaling share: the two alarms on the utilization metric and the group's limits.
struct AlarmScalingConfig {
  double high = 0.65, low = 0.45;
  int out_points = 1, in_points = 5;
  int min_step = 1;  // MinAdjustmentMagnitude for percentages
  int min_capacity = 1, max_capacity = 1 << 20;
};
// Reads high, low (low < high), out_points, in_points, min_step, min and max.
void read_alarm_scaling_config(SpecReader& r, int max_machines, AlarmScalingConfig& c);

// What the two alarm-driven policies keep: their config, the two alarms and the desired capacity.
template <class Config>
class AlarmScalingPolicy : public Policy {
 public:
  explicit AlarmScalingPolicy(const Config& config) : c_(config), high_(c_.out_points), low_(c_.in_points) {}
  int desired_capacity() const { return desired_; }
  int desired_fleet() const override { return desired_; }

 protected:
  Config c_;
  Alarm high_, low_;
  int desired_ = 0;
};

struct StepScalingConfig : AlarmScalingConfig {
  std::vector<StepRow> out, in;
};

// Parses `lower>adjustment|lower>adjustment|...`; rows must start at 0 and ascend.
std::vector<StepRow> parse_step_table(const std::string& spec_text, const std::string& key,
                                      const std::string& text);
// The row whose interval holds `breach` (>= 0); nullptr when the table is empty.
const StepRow* step_row(const std::vector<StepRow>& table, double breach);

StepScalingConfig read_step_config(SpecReader& r, int max_machines);

class StepScalingPolicy final : public AlarmScalingPolicy<StepScalingConfig> {
 public:
  using AlarmScalingPolicy::AlarmScalingPolicy;
  void reset(const Env& env) override;
  Action act(const Env& env) override;
};

// AWS simple scaling: one adjustment per alarm (out when metric > high for out_points datapoints,
// in when metric < low for in_points datapoints). After a scaling activity starts, the policy
// waits for it to complete (every machine it ordered is in service) and then for the cooldown
// (300 s by default) before it responds to any alarm again.
struct SimpleScalingConfig : AlarmScalingConfig {
  Adjustment out{30, true}, in{10, true};
  int cooldown_s = 300;
};

SimpleScalingConfig read_simple_config(SpecReader& r, int max_machines);

class SimpleScalingPolicy final : public AlarmScalingPolicy<SimpleScalingConfig> {
 public:
  using AlarmScalingPolicy::AlarmScalingPolicy;
  void reset(const Env& env) override;
  Action act(const Env& env) override;

 private:
  bool in_activity_ = false;         // a scaling activity has not completed yet
  std::int64_t cooldown_until_ = 0;  // first minute the policy may respond again
};

}  // namespace autoscale
