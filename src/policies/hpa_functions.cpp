#include "policies/hpa_functions.hpp"

#include <algorithm>
#include <climits>
#include <cmath>

namespace autoscale::hpa {

namespace {

// Utilization in whole percent, as metricsclient.GetResourceUtilizationRatio computes it:
// int32(usage * 100 / requests). The epsilon keeps 90 % from reading as 89 % after rounding (a
// utilization that is a ratio of integers is either a whole percent or at least 1e-5 from one).
double whole_percent(double usage_over_requests) { return std::floor(usage_over_requests * 100.0 + 1e-9); }

// Kubernetes' milli-unit integer division of a Pods metric's total by the pod count.
double milli_truncated(double value) { return std::floor(value * 1000.0 + 1e-9) / 1000.0; }

// A replica count from a double, clamped into int's range (a 10000 % policy on a large count).
int to_int(double replicas) {
  constexpr double kLimit = INT_MAX / 2;
  return static_cast<int>(std::clamp(replicas, -kLimit, kLimit));
}

MetricResult failed(int current, Reason reason, std::string error) { return {current, reason, 0, std::move(error)}; }

// The part of GetResourceReplicas and calcPlainMetricReplicas after the first ratio: rebalancing
// unready and missing pods and the re-checks. `ratio_of(usage, count)` turns the rebalanced
// totals (usage, and requests or pod count) into the new usage ratio.
template <class RatioOf>
int rebalance(int current, double ratio, int ready, const Tolerance& tolerance, bool rebalance_unready, int unready,
              int missing, double usage, double denominator, double missing_usage, double missing_denominator,
              double unready_denominator, RatioOf ratio_of) {
  int pods = ready;
  if (missing > 0 && missing_usage >= 0) {
    usage += missing_usage;
    denominator += missing_denominator;
    pods += missing;
  }
  if (rebalance_unready) {
    denominator += unready_denominator;
    pods += unready;
  }
  const double new_ratio = ratio_of(usage, denominator);
  // The current count if the change would be too small or the new ratio points the other way.
  if (tolerance.within(new_ratio) || (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0)) {
    return current;
  }
  const int replicas = to_int(std::ceil(new_ratio * pods));
  // ... or if counting more pods would move the count against the ratio's direction.
  if ((new_ratio < 1.0 && replicas > current) || (new_ratio > 1.0 && replicas < current)) return current;
  return replicas;
}

}  // namespace

std::string_view reason_name(Reason reason) {
  switch (reason) {
    case Reason::kValidMetricFound: return "ValidMetricFound";
    case Reason::kFailedGetResourceMetric: return "FailedGetResourceMetric";
    case Reason::kFailedGetPodsMetric: return "FailedGetPodsMetric";
    case Reason::kFailedGetExternalMetric: return "FailedGetExternalMetric";
    case Reason::kReadyForNewScale: return "ReadyForNewScale";
    case Reason::kScaleUpStabilized: return "ScaleUpStabilized";
    case Reason::kScaleDownStabilized: return "ScaleDownStabilized";
    case Reason::kDesiredWithinRange: return "DesiredWithinRange";
    case Reason::kTooFewReplicas: return "TooFewReplicas";
    case Reason::kTooManyReplicas: return "TooManyReplicas";
    case Reason::kScaleUpLimit: return "ScaleUpLimit";
    case Reason::kScaleDownLimit: return "ScaleDownLimit";
  }
  return "?";
}

std::string_view condition_type(Reason reason) {
  switch (reason) {
    case Reason::kValidMetricFound:
    case Reason::kFailedGetResourceMetric:
    case Reason::kFailedGetPodsMetric:
    case Reason::kFailedGetExternalMetric: return "ScalingActive";
    case Reason::kReadyForNewScale:
    case Reason::kScaleUpStabilized:
    case Reason::kScaleDownStabilized: return "AbleToScale";
    default: return "ScalingLimited";
  }
}

// tolerances.isWithin, written as the distance from 1 on each side (equal to Kubernetes'
// 1 - down <= ratio <= 1 + up but for rounding exactly at an edge).
bool Tolerance::within(double usage_ratio) const {
  return usage_ratio >= 1.0 ? usage_ratio - 1.0 <= up : 1.0 - usage_ratio <= down;
}

// ---------------------------------------------------------------- replica calculation

PodTotals pod_totals(std::span<const Pod> pods) {
  PodTotals t;
  for (const Pod& p : pods) {
    if (!(p.request > 0)) t.request_missing = true;
    if (!p.ready) {
      ++t.unready;
      t.unready_request += p.request;
    } else if (!p.usage) {
      ++t.missing;
      t.missing_request += p.request;
    } else {
      ++t.ready;
      t.ready_usage += *p.usage;
      t.ready_request += p.request;
    }
  }
  return t;
}

MetricResult resource_replicas(int current, const PodTotals& p, double target, const Tolerance& tolerance) {
  const auto fail = [&](const char* why) { return failed(current, Reason::kFailedGetResourceMetric, why); };
  if (p.ready + p.unready + p.missing == 0) return fail("no pods returned by selector while calculating replica count");
  if (p.request_missing) return fail("missing request for the resource");
  if (p.ready <= 0) return fail("did not receive metrics for any ready pods");
  const double target_pct = target * 100.0;
  const double utilization = whole_percent(p.ready_usage / p.ready_request);
  const double ratio = utilization / target_pct;
  const bool rebalance_unready = p.unready > 0 && ratio > 1.0;
  if (!rebalance_unready && p.missing == 0) {
    if (tolerance.within(ratio)) return {current, Reason::kValidMetricFound, utilization, {}};
    // Unready pods are left out of a scale-down: the ready ones alone decide.
    return {to_int(std::ceil(ratio * p.ready)), Reason::kValidMetricFound, utilization, {}};
  }
  // Missing pods: 100 % of their request on a scale-down, 0 % on a scale-up; at a ratio of exactly
  // 1 they are left out (-1). Unready pods on a scale-up: 0 %.
  const double missing_usage = ratio < 1.0 ? p.missing_request : ratio > 1.0 ? 0.0 : -1.0;
  const int replicas = rebalance(current, ratio, p.ready, tolerance, rebalance_unready, p.unready, p.missing,
                                 p.ready_usage, p.ready_request, missing_usage, p.missing_request, p.unready_request,
                                 [&](double usage, double requests) { return whole_percent(usage / requests) / target_pct; });
  return {replicas, Reason::kValidMetricFound, utilization, {}};
}

MetricResult resource_replicas(int current, std::span<const Pod> pods, double target, const Tolerance& tolerance) {
  return resource_replicas(current, pod_totals(pods), target, tolerance);
}

MetricResult pods_replicas(int current, std::span<const Pod> pods, double target_average, const Tolerance& tolerance) {
  if (pods.empty()) {
    return failed(current, Reason::kFailedGetPodsMetric, "no pods returned by selector while calculating replica count");
  }
  int ready = 0, unready = 0, missing = 0;
  double total = 0;
  for (const Pod& p : pods) {
    if (!p.ready) {
      ++unready;
    } else if (!p.usage) {
      ++missing;
    } else {
      ++ready;
      total += *p.usage;
    }
  }
  if (ready == 0) return failed(current, Reason::kFailedGetPodsMetric, "did not receive metrics for any ready pods");
  const double average = milli_truncated(total / ready);
  const double ratio = average / target_average;
  const bool rebalance_unready = unready > 0 && ratio > 1.0;
  if (!rebalance_unready && missing == 0) {
    if (tolerance.within(ratio)) return {current, Reason::kValidMetricFound, average, {}};
    return {to_int(std::ceil(ratio * ready)), Reason::kValidMetricFound, average, {}};
  }
  // Missing pods: the target on a scale-down, 0 otherwise (a ratio of exactly 1 included, unlike
  // the resource form); unready pods: 0 on a scale-up. Here the "denominator" is the pod count.
  const double missing_usage = ratio < 1.0 ? target_average * missing : 0.0;
  const int replicas = rebalance(current, ratio, ready, tolerance, rebalance_unready, unready, missing, total, ready,
                                 missing_usage, missing, unready,
                                 [&](double sum, double count) { return milli_truncated(sum / count) / target_average; });
  return {replicas, Reason::kValidMetricFound, average, {}};
}

MetricResult external_value_replicas(int current, int ready_pods, double total, double target_value,
                                     const Tolerance& tolerance) {
  const double ratio = total / target_value;
  if (current == 0) return {to_int(std::ceil(ratio)), Reason::kValidMetricFound, total, {}};  // scale from zero
  if (tolerance.within(ratio)) return {current, Reason::kValidMetricFound, total, {}};
  return {to_int(std::ceil(ratio * ready_pods)), Reason::kValidMetricFound, total, {}};
}

MetricResult external_average_replicas(int status_replicas, double total, double target_average,
                                       const Tolerance& tolerance) {
  if (status_replicas <= 0) {
    return {to_int(std::ceil(total / target_average)), Reason::kValidMetricFound, 0, {}};
  }
  const double ratio = total / (target_average * status_replicas);
  const int replicas = tolerance.within(ratio) ? status_replicas : to_int(std::ceil(total / target_average));
  const double shown = std::ceil(total / status_replicas * 1000.0 - 1e-9) / 1000.0;  // milli, rounded up
  return {replicas, Reason::kValidMetricFound, shown, {}};
}

// ---------------------------------------------------------------- stabilization

Result stabilize(int current, int desired, std::span<const Recommendation> history, std::int64_t now,
                 int up_window_s, int down_window_s) {
  int up = desired, down = desired;
  for (const Recommendation& r : history) {
    if (r.at > now - up_window_s) up = std::min(up, r.replicas);
    if (r.at > now - down_window_s) down = std::max(down, r.replicas);
  }
  int out = current;
  if (out < up) out = up;
  if (out > down) out = down;
  if (out == desired) return {out, Reason::kReadyForNewScale};
  return {out, desired >= current ? Reason::kScaleUpStabilized : Reason::kScaleDownStabilized};
}

void record_recommendation(std::vector<Recommendation>& history, int replicas, std::int64_t now, int longest_window_s) {
  std::ptrdiff_t old = -1;
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (history[i].at < now - longest_window_s) old = static_cast<std::ptrdiff_t>(i);
  }
  if (old >= 0) {
    history[static_cast<std::size_t>(old)] = {replicas, now};
  } else {
    history.push_back({replicas, now});
  }
}

// ---------------------------------------------------------------- rate limits

ScalingRules default_scale_up_rules() {
  return {{{ScalingPolicy::Type::kPods, 4, 15}, {ScalingPolicy::Type::kPercent, 100, 15}}, SelectPolicy::kMax, 0};
}

ScalingRules default_scale_down_rules() { return {{{ScalingPolicy::Type::kPercent, 100, 15}}, SelectPolicy::kMax, 300}; }

int longest_period(const ScalingRules& rules) {
  int longest = 0;
  for (const ScalingPolicy& p : rules.policies) longest = std::max(longest, p.period_s);
  return longest;
}

int replicas_change_in_period(std::span<const ScaleEvent> events, int period_s, std::int64_t now) {
  int sum = 0;
  for (const ScaleEvent& e : events) {
    if (e.at > now - period_s) sum += e.change;
  }
  return sum;
}

namespace {

int period_start(int current, std::span<const ScaleEvent> up_events, std::span<const ScaleEvent> down_events,
                 int period_s, std::int64_t now) {
  return current - replicas_change_in_period(up_events, period_s, now) +
         replicas_change_in_period(down_events, period_s, now);
}

}  // namespace

int scale_up_limit(int current, std::span<const ScaleEvent> up_events, std::span<const ScaleEvent> down_events,
                   const ScalingRules& rules, std::int64_t now) {
  if (rules.select == SelectPolicy::kDisabled) return current;
  // Max: the highest proposal (the largest increase) wins; Min: the lowest.
  const bool least = rules.select == SelectPolicy::kMin;
  int limit = least ? INT_MAX : INT_MIN;
  for (const ScalingPolicy& p : rules.policies) {
    const int start = period_start(current, up_events, down_events, p.period_s, now);
    // A Percent proposal is rounded up so that a small deployment can always grow.
    const int proposal = p.type == ScalingPolicy::Type::kPods ? start + p.value
                                                               : to_int(std::ceil(start * (1.0 + p.value / 100.0)));
    limit = least ? std::min(limit, proposal) : std::max(limit, proposal);
  }
  return limit;
}

int scale_down_limit(int current, std::span<const ScaleEvent> up_events, std::span<const ScaleEvent> down_events,
                     const ScalingRules& rules, std::int64_t now) {
  if (rules.select == SelectPolicy::kDisabled) return current;
  // Max: the lowest proposal (the largest decrease) wins; Min: the highest.
  const bool least = rules.select == SelectPolicy::kMin;
  int limit = least ? INT_MIN : INT_MAX;
  for (const ScalingPolicy& p : rules.policies) {
    const int start = period_start(current, up_events, down_events, p.period_s, now);
    const int proposal = p.type == ScalingPolicy::Type::kPods ? start - p.value
                                                               : to_int(start * (1.0 - p.value / 100.0));
    limit = least ? std::max(limit, proposal) : std::min(limit, proposal);
  }
  return limit;
}

Result limit_rate(int current, int desired, int min_replicas, int max_replicas, const ScalingRules& up,
                  const ScalingRules& down, std::span<const ScaleEvent> up_events,
                  std::span<const ScaleEvent> down_events, std::int64_t now) {
  if (desired > current) {
    // A limit below current (the policies changed after many scale-ups) holds the count.
    const int limit = std::max(current, scale_up_limit(current, up_events, down_events, up, now));
    const bool rate_binds = max_replicas > limit;
    const int allowed = rate_binds ? limit : max_replicas;
    if (desired > allowed) return {allowed, rate_binds ? Reason::kScaleUpLimit : Reason::kTooManyReplicas};
  } else if (desired < current) {
    const int limit = std::min(current, scale_down_limit(current, up_events, down_events, down, now));
    const bool rate_binds = min_replicas < limit;
    const int allowed = rate_binds ? limit : min_replicas;
    if (desired < allowed) return {allowed, rate_binds ? Reason::kScaleDownLimit : Reason::kTooFewReplicas};
  }
  return {desired, Reason::kDesiredWithinRange};
}

Result limit_without_behavior(int current, int desired, int min_replicas, int max_replicas) {
  const int up_limit = to_int(std::max(2.0 * current, 4.0));  // scaleUpLimitFactor, scaleUpLimitMinimum
  const bool rate_binds = max_replicas > up_limit;
  const int allowed = rate_binds ? up_limit : max_replicas;
  if (desired < min_replicas) return {min_replicas, Reason::kTooFewReplicas};
  if (desired > allowed) return {allowed, rate_binds ? Reason::kScaleUpLimit : Reason::kTooManyReplicas};
  return {desired, Reason::kDesiredWithinRange};
}

void store_scale_event(std::vector<ScaleEvent>& events, int change, std::int64_t now, int longest_period_s) {
  std::ptrdiff_t outdated = -1;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].at < now - longest_period_s) outdated = static_cast<std::ptrdiff_t>(i);
  }
  if (outdated >= 0) {
    events[static_cast<std::size_t>(outdated)] = {change, now};
  } else {
    events.push_back({change, now});
  }
}

Normalized normalize(int current, int desired, int min_replicas, int max_replicas, const ScalingRules& up,
                     const ScalingRules& down, std::span<const Recommendation> history,
                     std::span<const ScaleEvent> up_events, std::span<const ScaleEvent> down_events, std::int64_t now) {
  const Result stable =
      stabilize(current, desired, history, now, up.stabilization_window_s, down.stabilization_window_s);
  const Result limited =
      limit_rate(current, stable.replicas, min_replicas, max_replicas, up, down, up_events, down_events, now);
  return {limited.replicas, stable.reason, limited.reason};
}

}  // namespace autoscale::hpa
