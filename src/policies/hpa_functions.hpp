#pragma once
// The Kubernetes Horizontal Pod Autoscaler's arithmetic as free, pure functions
// (pkg/controller/podautoscaler: replica_calculator.go and horizontal.go), each returning the
// replicas and the reason Kubernetes writes into the HPA's status conditions. HpaPolicy (hpa.hpp)
// keeps the history these functions read; tests/policies/test_hpa_functions.cpp checks them
// against rows of Kubernetes' own test tables; Python reaches them as autoscale.hpa.
//
// Times are whole seconds on any clock (the simulator's: seconds since the episode began). A
// window or period of P seconds at time `now` holds what happened at t > now - P, as Kubernetes'
// timestamp.After(now - P) does.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace autoscale::hpa {

// The condition reasons (status.conditions[].reason) these steps set. ScalingActive: the metric
// step; AbleToScale: stabilization; ScalingLimited: the rate limits and min/max.
enum class Reason : std::uint8_t {
  kValidMetricFound,
  kFailedGetResourceMetric,
  kFailedGetPodsMetric,
  kFailedGetExternalMetric,
  kReadyForNewScale,
  kScaleUpStabilized,
  kScaleDownStabilized,
  kDesiredWithinRange,
  kTooFewReplicas,
  kTooManyReplicas,
  kScaleUpLimit,
  kScaleDownLimit,
};
std::string_view reason_name(Reason reason);     // "ValidMetricFound", ...
std::string_view condition_type(Reason reason);  // "ScalingActive", "AbleToScale" or "ScalingLimited"

struct Result {
  int replicas;
  Reason reason;
};

// behavior.scaleUp.tolerance / behavior.scaleDown.tolerance (--horizontal-pod-autoscaler-tolerance
// when unset, 0.1): no change while the usage ratio is within [1 - down, 1 + up].
struct Tolerance {
  double up = 0.1, down = 0.1;
  bool within(double usage_ratio) const;
};

// ---------------------------------------------------------------- replica calculation

// What a metric step computed: the replica proposal, ValidMetricFound or the Failed... reason
// (then `replicas` is the current count and `error` says why, as Kubernetes' event does), and the
// current value the HPA's status shows (a whole utilization percent, or an average value).
struct MetricResult {
  int replicas;
  Reason reason;
  double current = 0;
  std::string error;
};

// One pod of the scale target as the replica calculator sees it. Failed pods and pods being
// deleted are not listed at all (Kubernetes skips them).
struct Pod {
  // The pod's request of the resource, summed over its containers (any unit, e.g. millicores).
  // Not used by the Pods-metric form. <= 0: the request is missing, which Kubernetes refuses.
  double request = 1;
  // The pod's metric (same unit as the request, or the Pods metric's own); none: the metrics API
  // returned nothing for the pod (a "missing" pod).
  std::optional<double> usage;
  // false: the sample is discarded (groupPods' "ignored" pods): a Pending pod, and for a cpu
  // resource metric also a pod not Ready, or Ready within --horizontal-pod-autoscaler-cpu-
  // initialization-period with a sample older than its readiness. Only Pending pods are ignored
  // for other resources and for Pods metrics.
  bool ready = true;
};

// A pod list reduced to what the calculation needs: sums per group, in pod order.
struct PodTotals {
  int ready = 0;  // pods whose sample counts
  double ready_usage = 0, ready_request = 0;
  int unready = 0;  // ignored pods
  double unready_request = 0;
  int missing = 0;  // pods without a sample
  double missing_request = 0;
  bool request_missing = false;  // some pod has no request
};
PodTotals pod_totals(std::span<const Pod> pods);

// GetResourceReplicas: a Resource metric with target.averageUtilization (`target` as a fraction of
// the request: 0.6 = 60 %). Utilization is the ready pods' usage over their summed requests, in
// whole percent (rounded down, as the metrics client computes it). Without unready or missing
// pods: ceil(ratio * ready pods) unless within the tolerance. Otherwise Kubernetes rebalances and
// re-checks: missing pods count as using 100 % of their request on a scale-down and 0 % on a
// scale-up, unready pods as 0 % on a scale-up (they are left out of a scale-down), and the current
// count is kept if the new ratio is within the tolerance or points the other way.
MetricResult resource_replicas(int current, const PodTotals& pods, double target, const Tolerance& tolerance);
MetricResult resource_replicas(int current, std::span<const Pod> pods, double target, const Tolerance& tolerance);

// GetMetricReplicas: a Pods metric with target.averageValue. The ready pods' values averaged
// (Kubernetes' milli-unit integer division: the average is truncated to 0.001), over the target;
// missing pods count as the target on a scale-down and 0 on a scale-up, ignored pods as 0 on a
// scale-up, with the same re-checks as the resource form. `Pod::request` is not used.
MetricResult pods_replicas(int current, std::span<const Pod> pods, double target_average, const Tolerance& tolerance);

// GetExternalMetricReplicas (and GetObjectMetricReplicas, the same arithmetic): an External or
// Object metric with target.value: ratio = total / target, then
// ceil(ratio * ready pods) unless within the tolerance (unready pods simply do not count); from
// zero replicas, ceil(ratio) without a tolerance check.
MetricResult external_value_replicas(int current, int ready_pods, double total, double target_value,
                                     const Tolerance& tolerance);
// GetExternalPerPodMetricReplicas (also GetObjectPerPodMetricReplicas): target.averageValue on an
// External or Object metric: ratio = total / (target * status replicas), and unless within the
// tolerance ceil(total / target). `current` shows total / status replicas, rounded up.
MetricResult external_average_replicas(int status_replicas, double total, double target_average,
                                       const Tolerance& tolerance);

// ---------------------------------------------------------------- stabilization

struct Recommendation {
  int replicas;
  std::int64_t at;
};

// stabilizeRecommendationWithBehaviors: the lowest recommendation of the scale-up window and the
// highest of the scale-down window (each including `desired`) bound the result, which starts from
// `current`. ScaleUpStabilized / ScaleDownStabilized (by the direction of desired vs current) when
// that moved it off `desired`, ReadyForNewScale otherwise. It does not record `desired`:
// record_recommendation does.
Result stabilize(int current, int desired, std::span<const Recommendation> history, std::int64_t now,
                 int up_window_s, int down_window_s);

// Records an unstabilized recommendation as Kubernetes does: it replaces the last one older than
// the longer window, else it is appended (so the history never holds more than one window's worth
// plus one).
void record_recommendation(std::vector<Recommendation>& history, int replicas, std::int64_t now, int longest_window_s);

// ---------------------------------------------------------------- rate limits

// behavior.scaleUp / behavior.scaleDown.
struct ScalingPolicy {
  enum class Type : std::uint8_t { kPods, kPercent };
  Type type;
  int value;
  int period_s;
};
enum class SelectPolicy : std::uint8_t { kMax, kMin, kDisabled };
struct ScalingRules {
  std::vector<ScalingPolicy> policies;
  SelectPolicy select = SelectPolicy::kMax;
  int stabilization_window_s = 0;
};
// The autoscaling/v2 defaults: scale-up 0 s window, max(+4 pods, +100 %) per 15 s; scale-down
// 300 s window (the controller's --horizontal-pod-autoscaler-downscale-stabilization), -100 % per 15 s.
ScalingRules default_scale_up_rules();
ScalingRules default_scale_down_rules();
int longest_period(const ScalingRules& rules);

// A scale event of one direction: the replicas added (scale-up list) or removed (scale-down list).
struct ScaleEvent {
  int change;
  std::int64_t at;
};

// getReplicasChangePerPeriod: the replicas a direction's events changed within the period.
int replicas_change_in_period(std::span<const ScaleEvent> events, int period_s, std::int64_t now);

// calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors: each policy counts
// from the replica count at the start of its own period (current less what was added, plus what
// was removed since); Pods adds or removes `value`, Percent multiplies (rounded up for a scale-up so
// a small deployment can grow, truncated for a scale-down). selectPolicy Max takes the policy
// allowing the largest change, Min the smallest, Disabled allows none (returns `current`).
int scale_up_limit(int current, std::span<const ScaleEvent> up_events, std::span<const ScaleEvent> down_events,
                   const ScalingRules& rules, std::int64_t now);
int scale_down_limit(int current, std::span<const ScaleEvent> up_events, std::span<const ScaleEvent> down_events,
                     const ScalingRules& rules, std::int64_t now);

// convertDesiredReplicasWithBehaviorRate: the rate limits and minReplicas / maxReplicas.
// ScaleUpLimit / ScaleDownLimit when a rate limit binds, TooManyReplicas / TooFewReplicas when the
// bound is max / min, DesiredWithinRange when `desired` passes unchanged.
Result limit_rate(int current, int desired, int min_replicas, int max_replicas, const ScalingRules& up,
                  const ScalingRules& down, std::span<const ScaleEvent> up_events,
                  std::span<const ScaleEvent> down_events, std::int64_t now);

// convertDesiredReplicasWithRules: the path of an HPA without behavior (autoscaling/v1): at most
// max(2 x current, 4), then min/max. (Kubernetes' own test raises the factor 2 to 8.)
Result limit_without_behavior(int current, int desired, int min_replicas, int max_replicas);

// storeScaleEvent: events of the direction older than its longest policy period are outdated; the
// new one replaces the last outdated event, else it is appended. Outdated events that are not
// replaced still count (getReplicasChangePerPeriod does not look at the flag), as in Kubernetes.
void store_scale_event(std::vector<ScaleEvent>& events, int change, std::int64_t now, int longest_period_s);

// normalizeDesiredReplicasWithBehaviors without its recording: stabilize, then limit_rate.
struct Normalized {
  int replicas;
  Reason able_to_scale;    // ReadyForNewScale, ScaleUpStabilized or ScaleDownStabilized
  Reason scaling_limited;  // DesiredWithinRange, TooFewReplicas, TooManyReplicas, ScaleUpLimit, ScaleDownLimit
};
Normalized normalize(int current, int desired, int min_replicas, int max_replicas, const ScalingRules& up,
                     const ScalingRules& down, std::span<const Recommendation> history,
                     std::span<const ScaleEvent> up_events, std::span<const ScaleEvent> down_events, std::int64_t now);

}  // namespace autoscale::hpa
