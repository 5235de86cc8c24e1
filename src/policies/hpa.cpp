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

namespace {

// Utilization in whole percent, as metricsclient.GetResourceUtilizationRatio computes it:
// int32(usage * 100 / requests). The epsilon keeps 90 % from reading as 89 % after rounding.
double whole_percent(double usage_over_requests) { return std::floor(usage_over_requests * 100.0 + 1e-9); }

}  // namespace

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

int hpa_metric_replicas(int current, int ready, int unready, double utilization, double target,
                        double up_tolerance, double down_tolerance) {
  if (ready <= 0) return -1;  // "did not receive metrics for any ready pods"
  // The tolerance band (tolerances.isWithin): the scale-up side above 1, the scale-down one below.
  const auto within = [&](double ratio) { return ratio >= 1.0 ? ratio - 1.0 <= up_tolerance : 1.0 - ratio <= down_tolerance; };
  const double target_pct = target * 100.0;
  const double usage_ratio = whole_percent(utilization) / target_pct;
  const bool rebalance_unready = unready > 0 && usage_ratio > 1.0;
  if (!rebalance_unready) {
    if (within(usage_ratio)) return current;
    // Unready pods are left out of a scale-down: the ready ones alone decide.
    return static_cast<int>(std::ceil(usage_ratio * ready));
  }
  // Scale-up with unready pods: count them at 0 % so that pods still starting, which will soon
  // take load, do not trigger a second scale-up for the same demand.
  const int pods = ready + unready;
  const double new_ratio = whole_percent(utilization * ready / pods) / target_pct;
  if (within(new_ratio) || new_ratio < 1.0) return current;
  const int replicas = static_cast<int>(std::ceil(new_ratio * pods));
  return replicas < current ? current : replicas;
}

void HpaPolicy::reset(const Env& env) {
  spec_ = env.fleet().active() + env.fleet().warming();
  recommendations_.clear();
  up_events_.clear();
  down_events_.clear();
}

Action HpaPolicy::act(const Env& env) {
  if (before_first_datapoint(env)) return {};
  const std::int64_t minute_start = env.info().minute * 60;
  for (int t = 0; t < 60; t += c_.sync_s) reconcile(env, minute_start + t);
  return steer_ready_first(env, spec_);
}

void HpaPolicy::reconcile(const Env& env, std::int64_t now) {
  const int current = spec_;
  if (current == 0) return;  // scaling is disabled for a target scaled to zero
  int desired = current;
  if (current > c_.max_replicas) {
    desired = c_.max_replicas;
  } else if (current < c_.min_replicas) {
    desired = c_.min_replicas;
  } else {
    if (recommendations_.empty()) recommendations_.push_back({current, now});  // recordInitialRecommendation
    const int metric = hpa_metric_replicas(current, env.fleet().active(), env.fleet().warming(),
                                           utilization(env), c_.target, c_.up_tolerance, c_.down_tolerance);
    if (metric < 0) return;
    desired = limit_rate(current, stabilize(current, metric, now), now);
  }
  if (desired == current) return;
  auto& events = desired > current ? up_events_ : down_events_;
  events.push_back({std::abs(desired - current), now});
  spec_ = desired;
}

// stabilizeRecommendationWithBehaviors: the lowest recommendation of the scale-up window and the
// highest of the scale-down window bound the result; the raw recommendation is recorded.
int HpaPolicy::stabilize(int current, int desired, std::int64_t now) {
  int up = desired, down = desired;
  for (const auto& r : recommendations_) {
    if (r.at > now - c_.up_window_s) up = std::min(up, r.replicas);
    if (r.at > now - c_.down_window_s) down = std::max(down, r.replicas);
  }
  int out = current;
  if (out < up) out = up;
  if (out > down) out = down;
  const std::int64_t oldest = now - std::max(c_.up_window_s, c_.down_window_s);
  while (!recommendations_.empty() && recommendations_.front().at <= oldest) recommendations_.pop_front();
  recommendations_.push_back({desired, now});
  return out;
}

// convertDesiredReplicasWithBehaviorRate: the rate limits, then minReplicas / maxReplicas.
int HpaPolicy::limit_rate(int current, int desired, std::int64_t now) const {
  if (desired > current) {
    const int allowed = std::min(c_.max_replicas, std::max(current, scale_up_limit(current, now)));
    return std::min(desired, allowed);
  }
  if (desired < current) {
    const int allowed = std::max(c_.min_replicas, std::min(current, scale_down_limit(current, now)));
    return std::max(desired, allowed);
  }
  return desired;
}

int HpaPolicy::change_in_period(const std::deque<ScaleEvent>& events, int period_s, std::int64_t now) {
  int sum = 0;
  for (const auto& e : events) {
    if (e.at > now - period_s) sum += e.change;
  }
  return sum;
}

int HpaPolicy::period_start(int current, int period_s, std::int64_t now) const {
  return current - change_in_period(up_events_, period_s, now) + change_in_period(down_events_, period_s, now);
}

// calculateScaleUpLimitWithScalingRules: selectPolicy Max lets the most permissive policy win
// (the highest limit), Min the least permissive (the lowest); each policy counts from the replica
// count at the start of its own period.
int HpaPolicy::scale_up_limit(int current, std::int64_t now) const {
  const auto start = [&](int period_s) { return period_start(current, period_s, now); };
  int limit = current;  // both policies off = scaling up disabled
  bool any = false;
  const auto propose = [&](int proposal) {
    limit = !any ? proposal : c_.up_select_min ? std::min(limit, proposal) : std::max(limit, proposal);
    any = true;
  };
  if (c_.up_pods > 0) propose(start(c_.up_pods_period_s) + c_.up_pods);
  // Rounded up so that a small deployment can always grow.
  if (c_.up_percent > 0) propose(static_cast<int>(std::ceil(start(c_.up_percent_period_s) * (1.0 + c_.up_percent / 100.0))));
  return limit;
}

// calculateScaleDownLimitWithBehaviors: selectPolicy Max lets the largest decrease win (the
// lowest limit), Min the smallest (the highest). limit_rate caps the result at `current`.
int HpaPolicy::scale_down_limit(int current, std::int64_t now) const {
  const auto start = [&](int period_s) { return period_start(current, period_s, now); };
  int limit = current;  // both policies off = scaling down disabled
  bool any = false;
  const auto propose = [&](int proposal) {
    limit = !any ? proposal : c_.down_select_min ? std::max(limit, proposal) : std::min(limit, proposal);
    any = true;
  };
  if (c_.down_pods > 0) propose(start(c_.down_pods_period_s) - c_.down_pods);
  if (c_.down_percent > 0) propose(static_cast<int>(start(c_.down_percent_period_s) * (1.0 - c_.down_percent / 100.0)));
  return limit;
}

}  // namespace autoscale
