#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "policies/hpa_functions.hpp"
#include "policies/policy.hpp"
#include "policies/spec.hpp"

namespace autoscale {

// The Kubernetes Horizontal Pod Autoscaler (pkg/controller/podautoscaler: horizontal.go and
// replica_calculator.go) with one resource-utilization metric and the autoscaling/v2 behavior
// defaults. A machine is a pod; a warming machine is a created pod that is not Ready yet.
struct HpaConfig {
  // Target average utilization of ready pods. Kubernetes has no default; 0.75 is a common choice
  // but here a minute's fleet capacity varies by 10 % (sd) and the tolerance band lets utilization
  // drift 10 % above target before acting, so 0.75 pays downtime in about 1 % of minutes on the
  // seed scenario and earns about half of what 0.6 does (a measurement of an early build, not
  // kept in the docs; `autoscale evaluate --policies hpa:target=0.75,hpa` repeats it).
  double target = 0.6;
  // No change while utilization / target is within [1 - down_tolerance, 1 + up_tolerance]:
  // behavior.scaleUp/scaleDown.tolerance (Kubernetes 1.33+, HPAConfigurableTolerance); the spec's
  // `tolerance` key sets both, `up_tolerance` / `down_tolerance` one direction.
  double up_tolerance = 0.1, down_tolerance = 0.1;
  int sync_s = 15;          // --horizontal-pod-autoscaler-sync-period; must divide 60
  int up_window_s = 0;      // behavior.scaleUp.stabilizationWindowSeconds
  int down_window_s = 300;  // behavior.scaleDown.stabilizationWindowSeconds
  // behavior.scaleUp.policies / behavior.scaleDown.policies, in order: Pods adds (removes) `value`
  // pods per `period_s`, Percent `value` % of the count at the period's start. The spec keys:
  // - up_pods / up_percent (0 = no such policy), with up_period for both periods or
  //   up_pods_period / up_percent_period for one (down_... alike): one policy of each type. They
  //   give the list {Pods, Percent} with both entries kept, a value of 0 being no policy (kept so
  //   that the spec writes back the period it was given); no entry of a value above 0 = selectPolicy
  //   Disabled.
  // - up_policies / down_policies = a list of any length (hpa_rate_policies_text's form,
  //   e.g. 4pods/60+10pods/600+100pct/15), exclusive with the single-policy keys of the direction.
  // Defaults: up max(+4 pods, +100 %) per 15 s, down -100 % per 15 s (autoscaling/v2's).
  std::vector<hpa::ScalingPolicy> up_policies = {{hpa::ScalingPolicy::Type::kPods, 4, 15},
                                                 {hpa::ScalingPolicy::Type::kPercent, 100, 15}};
  std::vector<hpa::ScalingPolicy> down_policies = {{hpa::ScalingPolicy::Type::kPods, 0, 15},
                                                   {hpa::ScalingPolicy::Type::kPercent, 100, 15}};
  // selectPolicy: Max (false) lets a direction's most permissive policy win, Min (true) its least
  // permissive one (spec keys up_select / down_select = max | min).
  bool up_select_min = false, down_select_min = false;
  int min_replicas = 1, max_replicas = 1 << 20;
};

HpaConfig read_hpa_config(SpecReader& r, int max_machines);

// hpa::resource_replicas for pods of equal requests, as the simulator has them: `ready` pods report
// utilization `utilization`, `unready` pods (not Ready yet) have their samples discarded, none is
// missing. `current` is the scale target's spec.replicas. Returns -1 when no ready pod reports a
// metric (FailedGetResourceMetric: the HPA then leaves the scale alone).
int hpa_metric_replicas(int current, int ready, int unready, double utilization, double target,
                        double up_tolerance, double down_tolerance);
inline int hpa_metric_replicas(int current, int ready, int unready, double utilization, double target,
                               double tolerance) {
  return hpa_metric_replicas(current, ready, unready, utilization, target, tolerance, tolerance);
}

// A direction's rate policies as the spec writes them. `hpa_single_rate_keys` is the single-policy
// form (`up_pods=4,up_percent=100,up_period=15`, one period key when both share it; a missing
// type's period is the other's, as the policy has no effect) when the list has at most one Pods and
// one Percent policy of a value above 0, none otherwise. `hpa_rate_keys` is that, else
// `up_policies=` with the list: what a writer of specs (formats' import) uses.
// `direction` is "up" or "down".
std::optional<std::string> hpa_single_rate_keys(const std::string& direction,
                                                const std::vector<hpa::ScalingPolicy>& policies);
std::string hpa_rate_keys(const std::string& direction, const std::vector<hpa::ScalingPolicy>& policies);
// `4pods/60+10pods/600+100pct/15`: each entry VALUEpods/PERIOD or VALUEpct/PERIOD (seconds),
// joined by `+` (`,` separates a spec's keys and `:` starts a spec in a list of specs).
std::string hpa_rate_policies_text(const std::vector<hpa::ScalingPolicy>& policies);
// Reads that form for spec key `key`: value in [1, max_percent] for Percent ([1, 100000] for
// Pods), period in [1, 1800]; throws Error naming the spec, the key and the entry.
std::vector<hpa::ScalingPolicy> parse_hpa_rate_policies(const std::string& spec_text, const std::string& key,
                                                        const std::string& text, int max_percent);

// The behavior an HpaConfig describes, as Kubernetes' scaling rules: a direction's policies of a
// value above 0, in order (none = selectPolicy Disabled).
hpa::ScalingRules scale_up_rules(const HpaConfig& c);
hpa::ScalingRules scale_down_rules(const HpaConfig& c);

// The controller of one HPA: each sync it asks the free functions of hpa_functions.hpp (metric ->
// stabilize -> rate limits) and keeps only what they read: the recommendations and the scale events
// of each direction, stored as Kubernetes stores them (an entry older than the longest window or
// period is overwritten by the next one rather than kept).
class HpaPolicy final : public Policy {
 public:
  explicit HpaPolicy(const HpaConfig& config);
  void reset(const Env& env) override;
  Action act(const Env& env) override;
  // The scale target's spec.replicas, which the fleet is steered to.
  int desired_replicas() const { return spec_; }
  int desired_fleet() const override { return spec_; }
  // The last sync's condition reasons (ScalingActive, AbleToScale, ScalingLimited) as far as it got:
  // none when it only brought the count back within [min, max]; for inspection and tests.
  const std::vector<hpa::Reason>& last_reasons() const { return reasons_; }
  std::size_t history_size() const { return recommendations_.size() + up_events_.size() + down_events_.size(); }

 private:
  void reconcile(const Env& env, std::int64_t now);

  HpaConfig c_;
  hpa::ScalingRules up_, down_;
  int spec_ = 0;
  std::vector<hpa::Recommendation> recommendations_;
  std::vector<hpa::ScaleEvent> up_events_, down_events_;
  std::vector<hpa::Reason> reasons_;
};

}  // namespace autoscale
