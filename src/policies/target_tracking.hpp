#pragma once
#include <cstdint>

#include "policies/actuator.hpp"
#include "policies/aws_scaling.hpp"
#include "policies/signals.hpp"
#include "policies/policy.hpp"
#include "policies/spec.hpp"

namespace autoscale {

// AWS target tracking on average utilization (EC2 Auto Scaling / Application Auto Scaling).
// The metric is one CloudWatch datapoint per minute: offered load per in-service machine over its
// nominal capacity; machines still warming up report nothing (they are not "current capacity").
// AWS creates two alarms: a high one (metric > target for out_points consecutive datapoints, 3 by
// default) and a low one (metric < in_ratio * target, "usually more than 10 % lower", for
// in_points datapoints, 15 by default). While the high alarm is in ALARM the desired capacity
// becomes the proportional one, ceil(load / (target * tpm_per_machine)) = in-service * metric /
// target, counting warming machines as already part of it (no double scale-out). While the low
// alarm is in ALARM, no machine is warming up and the scale-in cooldown has passed, it scales in
// conservatively: by at most in_step of the desired capacity, never below the proportional
// capacity (removing capacity must keep the metric under target).
struct TargetTrackingConfig {
  double target = 0.6;
  int out_points = 3;
  int in_points = 15;
  double in_ratio = 0.9;
  double in_step = 0.1;
  int in_cooldown_s = 300;
  int min_capacity = 1, max_capacity = 1 << 20;
};

// Reads the target tracking keys; unset ones keep the values of `defaults`.
TargetTrackingConfig read_target_tracking_config(SpecReader& r, int max_machines,
                                                 const TargetTrackingConfig& defaults = {});

// The target tracking controller: the Auto Scaling group's desired capacity, updated once a minute.
// Predictive scaling reuses it with a floor (the forecast capacity).
class TargetTracker {
 public:
  explicit TargetTracker(const TargetTrackingConfig& config)
      : c_(config), high_(c_.out_points), low_(c_.in_points) {}
  void reset(const Env& env);
  // Reads this minute's datapoint; returns the new desired capacity, at least `floor`.
  int update(const Env& env, int floor = 0);
  int desired() const { return desired_; }

 private:
  TargetTrackingConfig c_;
  Alarm high_, low_;
  int desired_ = 0;
  std::int64_t last_scale_in_ = -1;  // minute
};

class TargetTrackingPolicy final : public Policy {
 public:
  explicit TargetTrackingPolicy(const TargetTrackingConfig& config) : tracker_(config) {}
  void reset(const Env& env) override { tracker_.reset(env); }
  Action act(const Env& env) override {
    return before_first_datapoint(env) ? Action{} : steer_ready_first(env, tracker_.update(env));
  }
  int desired_capacity() const { return tracker_.desired(); }
  int desired_fleet() const override { return tracker_.desired(); }

 private:
  TargetTracker tracker_;
};

}  // namespace autoscale
