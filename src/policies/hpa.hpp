#pragma once
#include <cstdint>
#include <deque>

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
  // behavior.scaleUp.policies: +up_pods pods per up_pods_period_s, +up_percent % per
  // up_percent_period_s (0 = no such policy; both 0 = selectPolicy Disabled). The spec's
  // `up_period` sets both periods, `up_pods_period` / `up_percent_period` one.
  int up_pods = 4, up_percent = 100, up_pods_period_s = 15, up_percent_period_s = 15;
  // behavior.scaleDown.policies: -down_pods pods per down_pods_period_s, -down_percent % per
  // down_percent_period_s (0 = no such policy; both 0 = selectPolicy Disabled); keys as for up.
  int down_pods = 0, down_percent = 100, down_pods_period_s = 15, down_percent_period_s = 15;
  // selectPolicy: Max (false) lets a direction's most permissive policy win, Min (true) its least
  // permissive one (spec keys up_select / down_select = max | min).
  bool up_select_min = false, down_select_min = false;
  int min_replicas = 1, max_replicas = 1 << 20;
};

HpaConfig read_hpa_config(SpecReader& r, int max_machines);

// replica_calculator.go GetResourceReplicas for pods of equal requests: `ready` pods report
// utilization `utilization`, `unready` pods (not Ready yet) have their metrics discarded.
// `current` is the scale target's spec.replicas. Utilization is measured as a whole percent
// (rounded down), as the metrics client does. Returns -1 when no ready pod reports a metric
// (the HPA then leaves the scale alone).
int hpa_metric_replicas(int current, int ready, int unready, double utilization, double target,
                        double up_tolerance, double down_tolerance);
inline int hpa_metric_replicas(int current, int ready, int unready, double utilization, double target,
                               double tolerance) {
  return hpa_metric_replicas(current, ready, unready, utilization, target, tolerance, tolerance);
}

class HpaPolicy final : public Policy {
 public:
  explicit HpaPolicy(const HpaConfig& config) : c_(config) {}
  void reset(const Env& env) override;
  Action act(const Env& env) override;
  // The scale target's spec.replicas, which the fleet is steered to.
  int desired_replicas() const { return spec_; }
  int desired_fleet() const override { return spec_; }

 private:
  struct Recommendation {
    int replicas;
    std::int64_t at;  // seconds
  };
  struct ScaleEvent {
    int change;
    std::int64_t at;
  };

  void reconcile(const Env& env, std::int64_t now);
  int stabilize(int current, int desired, std::int64_t now);
  int limit_rate(int current, int desired, std::int64_t now) const;
  int scale_up_limit(int current, std::int64_t now) const;
  int scale_down_limit(int current, std::int64_t now) const;
  static int change_in_period(const std::deque<ScaleEvent>& events, int period_s, std::int64_t now);
  // The replica count at the start of a policy's period: `current` less what was added and plus
  // what was removed since (the limit a rate policy counts from).
  int period_start(int current, int period_s, std::int64_t now) const;

  HpaConfig c_;
  int spec_ = 0;
  std::deque<Recommendation> recommendations_;
  std::deque<ScaleEvent> up_events_, down_events_;
};

}  // namespace autoscale
