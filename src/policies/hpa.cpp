#include "policies/hpa.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "policies/actuator.hpp"
#include "policies/signals.hpp"

namespace autoscale {

// Mapping the HPA's 15-second loop onto one-minute steps: act() runs the controller's sync
// 60 / sync_s times, at seconds 60m, 60m + sync_s, ... of minute m, all reading that minute's
// metric (the environment has one load value per minute, so a metrics-server sample taken
// anywhere in the minute would read the same). Stabilization windows and the per-period rate
// limits therefore keep their meaning in seconds: 300 s = the last 20 recommendations, and the
// +4 pods / +100 % per 15 s limit compounds over the four syncs of a minute, as it does on a
// cluster. Pods the HPA asks for in a minute are created at the minute's end (one action per
// step); syncs later in the same minute see the same pod list, which changes nothing because
// for a scale-up the rebalanced ratio times the pod count equals the ready pods' usage anyway.
// What a spec.replicas above the fleet size means here: pods the ReplicaSet controller has yet
// to create; the environment's max_machine_delta is that controller's creation rate.

HpaConfig read_hpa_config(SpecReader& r, int max_machines) {
  HpaConfig c;
  c.target = r.number("target", c.target, 0.01, 10);
  const double tolerance = r.number("tolerance", 0.1, 0, 1);
  c.up_tolerance = r.number("up_tolerance", tolerance, 0, 1);
  c.down_tolerance = r.number("down_tolerance", tolerance, 0, 1);
  c.sync_s = r.integer("sync", c.sync_s, 1, 60);
  if (60 % c.sync_s != 0) {
    throw Error(
        fmt::format("policy '{}': sync must divide 60 seconds (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60), "
                    "got {}",
                    r.spec().text, c.sync_s));
  }
  c.up_window_s = r.integer("up_window", c.up_window_s, 0, 3600);
  c.down_window_s = r.integer("down_window", c.down_window_s, 0, 3600);
  c.up_pods = r.integer("up_pods", c.up_pods, 0, 100000);
  c.up_percent = r.integer("up_percent", c.up_percent, 0, 100000);
  const int up_period = r.integer("up_period", 15, 1, 1800);
  c.up_pods_period_s = r.integer("up_pods_period", up_period, 1, 1800);
  c.up_percent_period_s = r.integer("up_percent_period", up_period, 1, 1800);
  c.down_pods = r.integer("down_pods", c.down_pods, 0, 100000);
  c.down_percent = r.integer("down_percent", c.down_percent, 0, 100);
  const int down_period = r.integer("down_period", 15, 1, 1800);
  c.down_pods_period_s = r.integer("down_pods_period", down_period, 1, 1800);
  c.down_percent_period_s = r.integer("down_percent_period", down_period, 1, 1800);
  const auto select_min = [&](const char* key) {
    const std::string v = r.text(key, "max");
    if (v != "max" && v != "min") {
      throw Error(fmt::format("policy '{}': {} must be max or min, got '{}'", r.spec().text, key, v));
    }
    return v == "min";
  };
  c.up_select_min = select_min("up_select");
  c.down_select_min = select_min("down_select");
  read_fleet_limits(r, max_machines, 1, c.min_replicas, c.max_replicas);  // minReplicas >= 1, as in Kubernetes
  return c;
}

hpa::ScalingRules scale_up_rules(const HpaConfig& c) {
  hpa::ScalingRules rules{{}, c.up_select_min ? hpa::SelectPolicy::kMin : hpa::SelectPolicy::kMax, c.up_window_s};
  if (c.up_pods > 0) rules.policies.push_back({hpa::ScalingPolicy::Type::kPods, c.up_pods, c.up_pods_period_s});
  if (c.up_percent > 0) rules.policies.push_back({hpa::ScalingPolicy::Type::kPercent, c.up_percent, c.up_percent_period_s});
  if (rules.policies.empty()) rules.select = hpa::SelectPolicy::kDisabled;
  return rules;
}

hpa::ScalingRules scale_down_rules(const HpaConfig& c) {
  hpa::ScalingRules rules{{}, c.down_select_min ? hpa::SelectPolicy::kMin : hpa::SelectPolicy::kMax, c.down_window_s};
  if (c.down_pods > 0) rules.policies.push_back({hpa::ScalingPolicy::Type::kPods, c.down_pods, c.down_pods_period_s});
  if (c.down_percent > 0) {
    rules.policies.push_back({hpa::ScalingPolicy::Type::kPercent, c.down_percent, c.down_percent_period_s});
  }
  if (rules.policies.empty()) rules.select = hpa::SelectPolicy::kDisabled;
  return rules;
}

namespace {

// The simulator's pods: `ready` of request 1 at `utilization`, `unready` whose samples are
// discarded, none missing (every ready machine reports).
hpa::PodTotals equal_pods(int ready, int unready, double utilization) {
  hpa::PodTotals p;
  p.ready = ready;
  p.ready_usage = utilization * ready;
  p.ready_request = ready;
  p.unready = unready;
  p.unready_request = unready;
  return p;
}

}  // namespace

int hpa_metric_replicas(int current, int ready, int unready, double utilization, double target,
                        double up_tolerance, double down_tolerance) {
  const hpa::MetricResult r = hpa::resource_replicas(current, equal_pods(ready, unready, utilization), target,
                                                     {up_tolerance, down_tolerance});
  return r.reason == hpa::Reason::kValidMetricFound ? r.replicas : -1;
}

HpaPolicy::HpaPolicy(const HpaConfig& config) : c_(config), up_(scale_up_rules(config)), down_(scale_down_rules(config)) {}

void HpaPolicy::reset(const Env& env) {
  spec_ = env.fleet().active() + env.fleet().warming();
  recommendations_.clear();
  up_events_.clear();
  down_events_.clear();
  reasons_.clear();
}

Action HpaPolicy::act(const Env& env) {
  if (before_first_datapoint(env)) return {};
  const std::int64_t minute_start = env.info().minute * 60;
  for (int t = 0; t < 60; t += c_.sync_s) reconcile(env, minute_start + t);
  return steer_ready_first(env, spec_);
}

// reconcileAutoscaler: a count outside [min, max] is brought back first; otherwise the metric's
// proposal is stabilized and rate-limited (normalizeDesiredReplicasWithBehaviors).
void HpaPolicy::reconcile(const Env& env, std::int64_t now) {
  reasons_.clear();
  const int current = spec_;
  if (current == 0) return;  // ScalingDisabled: the target is scaled to zero
  int desired = current;
  if (current > c_.max_replicas) {
    desired = c_.max_replicas;
  } else if (current < c_.min_replicas) {
    desired = c_.min_replicas;
  } else {
    if (recommendations_.empty()) recommendations_.push_back({current, now});  // recordInitialRecommendation
    const hpa::MetricResult metric =
        hpa::resource_replicas(current, equal_pods(env.fleet().active(), env.fleet().warming(), utilization(env)),
                               c_.target, {c_.up_tolerance, c_.down_tolerance});
    reasons_.push_back(metric.reason);
    if (metric.reason != hpa::Reason::kValidMetricFound) return;
    const hpa::Normalized n = hpa::normalize(current, metric.replicas, c_.min_replicas, c_.max_replicas, up_, down_,
                                             recommendations_, up_events_, down_events_, now);
    hpa::record_recommendation(recommendations_, metric.replicas, now,
                               std::max(up_.stabilization_window_s, down_.stabilization_window_s));
    reasons_.push_back(n.able_to_scale);
    reasons_.push_back(n.scaling_limited);
    desired = n.replicas;
  }
  if (desired == current) return;
  if (desired > current) {
    hpa::store_scale_event(up_events_, desired - current, now, hpa::longest_period(up_));
  } else {
    hpa::store_scale_event(down_events_, current - desired, now, hpa::longest_period(down_));
  }
  spec_ = desired;
}

}  // namespace autoscale
