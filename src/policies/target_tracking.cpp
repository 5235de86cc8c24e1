#include "policies/target_tracking.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace autoscale {

TargetTrackingConfig read_target_tracking_config(SpecReader& r, int max_machines,
                                                 const TargetTrackingConfig& defaults) {
  TargetTrackingConfig c = defaults;
  c.target = r.number("target", c.target, 0.01, 10);
  c.out_points = r.integer("out_points", c.out_points, 1, 60);
  c.in_points = r.integer("in_points", c.in_points, 1, 1440);
  c.in_ratio = r.number("in_ratio", c.in_ratio, 0.01, 1);
  c.in_step = r.number("in_step", c.in_step, 0.001, 1);
  c.in_cooldown_s = r.integer("in_cooldown", c.in_cooldown_s, 0, 86400);
  read_fleet_limits(r, max_machines, 0, c.min_capacity, c.max_capacity);
  return c;
}

void TargetTracker::reset(const Env& env) {
  high_.reset();
  low_.reset();
  desired_ = env.fleet().active() + env.fleet().warming();
  last_scale_in_ = -1;
}

int TargetTracker::update(const Env& env, int floor) {
  const std::int64_t minute = env.info().minute;
  const double metric = utilization(env);
  const bool high = high_.update(metric > c_.target);
  const bool low = low_.update(metric < c_.target * c_.in_ratio);
  const int proportional =
      machines_for(static_cast<double>(env.info().load), c_.target, env.params().tpm_per_machine);
  desired_ = std::max(desired_, floor);
  if (high) {
    desired_ = std::max(desired_, proportional);
  } else if (low && env.fleet().warming() == 0 && proportional < desired_) {
    const std::int64_t cooldown_min = (c_.in_cooldown_s + 59) / 60;
    if (last_scale_in_ < 0 || minute - last_scale_in_ >= cooldown_min) {
      const int step = std::max(1, static_cast<int>(std::floor(desired_ * c_.in_step)));
      const int next = std::max({proportional, desired_ - step, floor});
      if (next < desired_) {
        desired_ = next;
        last_scale_in_ = minute;
      }
    }
  }
  desired_ = std::clamp(desired_, c_.min_capacity, c_.max_capacity);
  return desired_;
}

}  // namespace autoscale
