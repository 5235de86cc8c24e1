// The HPA's free functions (policies/hpa_functions.hpp) against rows of Kubernetes' own test
// tables, pkg/controller/podautoscaler/replica_calculator_test.go and horizontal_test.go. Each row
// names the upstream case it restates; the rows are written here from those cases' inputs and
// expected outputs. Where the model differs on purpose, the row says so.
//
// Units: upstream pods have two containers, each with the request and the usage of the row; the
// factor 2 cancels in every ratio, so a row lists one container's millicores. Pods/External/Object
// metric values are written in units (upstream's milli-values / 1000). Upstream targets are whole
// percents; here a target is a fraction (30 % = 0.30), as the `hpa:` spec takes it.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "policies/hpa.hpp"
#include "policies/hpa_functions.hpp"
#include "policy_test_util.hpp"

namespace autoscale {
namespace {

using hpa::Reason;
using hpa::ScalingPolicy;
using hpa::ScalingRules;
using hpa::SelectPolicy;

constexpr std::int64_t kNow = 1'000'000;  // any clock; rows give ages in seconds

hpa::Pod ready(double request, double usage) { return {request, usage, true}; }
hpa::Pod unready(double request, double usage) { return {request, usage, false}; }  // sample discarded
hpa::Pod missing(double request) { return {request, std::nullopt, true}; }
hpa::Pod pending(double request) { return {request, std::nullopt, false}; }
using Pods = std::vector<hpa::Pod>;

// ---------------------------------------------------------------- GetResourceReplicas

struct ResourceRow {
  const char* upstream;
  int current;
  std::vector<hpa::Pod> pods;
  double target;
  int expected;
  double utilization;  // the status' current averageUtilization
  Reason reason = Reason::kValidMetricFound;
};

TEST(HpaFunctions, ResourceReplicasMatchReplicaCalculatorTests) {
  // "Hot CPU" pods (started within the CPU initialization period, sample not yet fresh) are
  // discarded exactly like unready ones: both are ready=false here.
  const std::vector<ResourceRow> rows = {
      {"TestReplicaCalcScaleUp", 3, {ready(1000, 300), ready(1000, 500), ready(1000, 700)}, 0.30, 5, 50},
      {"TestReplicaCalcScaleUpUnreadyLessScale", 3, {unready(1000, 300), ready(1000, 500), ready(1000, 700)}, 0.30, 4, 60},
      {"TestReplicaCalcScaleUpHotCpuLessScale", 3, {unready(1000, 300), ready(1000, 500), ready(1000, 700)}, 0.30, 4, 60},
      {"TestReplicaCalcScaleUpUnreadyNoScale", 3, {ready(1000, 400), unready(1000, 500), unready(1000, 700)}, 0.30, 3, 40},
      {"TestReplicaCalcScaleHotCpuNoScale", 3, {ready(1000, 400), unready(1000, 500), unready(1000, 700)}, 0.30, 3, 40},
      // Failed pods and pods being deleted are not in the list at all (the caller leaves them out).
      {"TestReplicaCalcScaleUpIgnoresFailedPods", 2, {ready(1000, 500), ready(1000, 700)}, 0.30, 4, 60},
      {"TestReplicaCalcScaleUpIgnoresDeletionPods", 2, {ready(1000, 500), ready(1000, 700)}, 0.30, 4, 60},
      {"TestReplicaCalcScaleDown", 5,
       {ready(1000, 100), ready(1000, 300), ready(1000, 500), ready(1000, 250), ready(1000, 250)}, 0.50, 3, 28},
      {"TestReplicaCalcScaleDownIncludeUnreadyPods", 5,
       {ready(1000, 100), ready(1000, 300), ready(1000, 500), unready(1000, 250), unready(1000, 250)}, 0.50, 2, 30},
      {"TestReplicaCalcScaleDownExcludeUnscheduledPods", 5,
       {ready(1000, 100), pending(1000), pending(1000), pending(1000), pending(1000)}, 0.50, 1, 10},
      {"TestReplicaCalcScaleDownIgnoreHotCpuPods", 5,
       {ready(1000, 100), ready(1000, 300), ready(1000, 500), unready(1000, 250), unready(1000, 250)}, 0.50, 2, 30},
      {"TestReplicaCalcScaleDownIgnoresFailedPods", 5,
       {ready(1000, 100), ready(1000, 300), ready(1000, 500), ready(1000, 250), ready(1000, 250)}, 0.50, 3, 28},
      // Requests summed per pod: 3060 / 3000 = 102 %, within the 10 % tolerance.
      {"TestReplicaCalcTolerance", 3, {ready(900, 1010), ready(1000, 1030), ready(1100, 1020)}, 1.00, 3, 102},
      // 24 % -> scale-down, the two missing pods count as 100 %: 2495 / 4000 = 62 % -> ceil(2.48).
      {"TestReplicaCalcMissingMetrics", 4, {ready(1000, 400), ready(1000, 95), missing(1000), missing(1000)}, 1.00, 3, 24},
      {"TestReplicaCalcMissingMetricsNoChangeEq", 2, {ready(1000, 1000), missing(1000)}, 1.00, 2, 100},
      {"TestReplicaCalcMissingMetricsNoChangeGt", 2, {ready(1000, 1900), missing(1000)}, 1.00, 2, 190},
      {"TestReplicaCalcMissingMetricsNoChangeLt", 2, {ready(1000, 600), missing(1000)}, 1.00, 2, 60},
      // 90 % of target, but the missing pod at 100 % points up: the direction change keeps 3.
      {"TestReplicaCalcMissingMetricsUnreadyChange", 3, {unready(1000, 100), ready(1000, 450), missing(1000)}, 0.50, 3, 45},
      {"TestReplicaCalcMissingMetricsHotCpuNoChange", 3, {unready(1000, 100), ready(1000, 450), missing(1000)}, 0.50, 3, 45},
      {"TestReplicaCalcMissingMetricsUnreadyScaleUp", 3, {unready(1000, 100), ready(1000, 2000), missing(1000)}, 0.50, 4, 200},
      {"TestReplicaCalcMissingMetricsHotCpuScaleUp", 3, {unready(1000, 100), ready(1000, 2000), missing(1000)}, 0.50, 4, 200},
      {"TestReplicaCalcMissingMetricsUnreadyScaleDown", 4,
       {unready(1000, 100), ready(1000, 100), ready(1000, 100), missing(1000)}, 0.50, 3, 10},
      // 10 pods at 150 m, requests 300 m +- jitter (3000 m in all): 50 %. Upstream derives the
      // targets as int32((1 / (2 x 0.9) + 0.01) x 100) = 56 % and (... + 0.004) -> 55 %.
      {"TestReplicaCalcComputedToleranceAlgImplementation (first)", 10,
       {ready(400, 150), ready(200, 150), ready(310, 150), ready(290, 150), ready(302, 150), ready(298, 150),
        ready(301, 150), ready(299, 150), ready(300, 150), ready(300, 150)},
       0.56, 9, 50},
      {"TestReplicaCalcComputedToleranceAlgImplementation (second)", 10,
       {ready(400, 150), ready(200, 150), ready(310, 150), ready(290, 150), ready(302, 150), ready(298, 150),
        ready(301, 150), ready(299, 150), ready(300, 150), ready(300, 150)},
       0.55, 10, 50},
      // Upstream's error is the metrics client's "no metrics returned from resource metrics API";
      // with no metrics client here, the same pods fail one step later ("did not receive metrics
      // for any ready pods"), with the same condition and no scale change.
      {"TestReplicaCalcEmptyMetrics", 4, {missing(1000), missing(1000), missing(1000)}, 1.00, 4, 0,
       Reason::kFailedGetResourceMetric},
      {"TestReplicaCalcEmptyCPURequest", 1, {ready(0, 200)}, 1.00, 1, 0, Reason::kFailedGetResourceMetric},
      // Not ported: TestReplicaCalcSuperfluousMetrics and TestReplicaCalcDisjointResourcesMetrics
      // (metrics for pods outside the pod list cannot be expressed: a Pod carries its own sample).
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.upstream);
    const hpa::MetricResult got = hpa::resource_replicas(r.current, r.pods, r.target, {});
    EXPECT_EQ(got.replicas, r.expected);
    EXPECT_EQ(got.reason, r.reason);
    EXPECT_DOUBLE_EQ(got.current, r.utilization);
    EXPECT_EQ(got.error.empty(), r.reason == Reason::kValidMetricFound);
  }
}

TEST(HpaFunctions, ResourceReplicasTolerancePerDirection) {
  // Ours (HPAConfigurableTolerance, Kubernetes 1.33): 3 pods at 110 % of a 100 % target.
  const std::vector<hpa::Pod> pods{ready(1000, 1100), ready(1000, 1100), ready(1000, 1100)};
  EXPECT_EQ(hpa::resource_replicas(3, pods, 1.0, hpa::Tolerance{0.05, 0.1}).replicas, 4);  // ceil(3.3)
  EXPECT_EQ(hpa::resource_replicas(3, pods, 1.0, hpa::Tolerance{0.15, 0.0}).replicas, 3);
}

// ---------------------------------------------------------------- Pods / Object / External metrics

struct ValueRow {
  const char* upstream;
  int current;
  std::vector<hpa::Pod> pods;
  double target;
  int expected;
  double shown;
};

TEST(HpaFunctions, PodsMetricReplicasMatchReplicaCalculatorTests) {
  auto value = [](double v) { return ready(0, v); };
  // A Pods metric discards only Pending pods' samples (groupPods checks readiness for cpu only),
  // so upstream's unready "hot CPU" pods are passed ready here.
  const std::vector<ValueRow> rows = {
      {"TestReplicaCalcScaleUpCM", 3, {value(20), value(10), value(30)}, 15, 4, 20},
      {"TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale", 3, {value(50), value(10), value(30)}, 15, 6, 30},
      {"TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown", 3, {value(50), value(15), value(30)}, 15, 7, 31.666},
      {"TestReplicaCalcScaleUpCMExternal (a podMetric upstream)", 1, {value(8.6)}, 4.4, 2, 8.6},
      {"TestReplicaCalcScaleUpCMExternalNoLabels (a podMetric upstream)", 1, {value(8.6)}, 4.4, 2, 8.6},
      {"TestReplicaCalcScaleDownCM", 5, {value(12), value(12), value(12), value(12), value(12)}, 20, 3, 12},
      // 62 / 3 in milli-units is 20666: the average is truncated, as Kubernetes' integer division.
      {"TestReplicaCalcToleranceCM", 3, {value(20), value(21), value(21)}, 20, 3, 20.666},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.upstream);
    const hpa::MetricResult got = hpa::pods_replicas(r.current, r.pods, r.target, {});
    EXPECT_EQ(got.replicas, r.expected);
    EXPECT_EQ(got.reason, Reason::kValidMetricFound);
    EXPECT_NEAR(got.current, r.shown, 1e-9);
  }
  // Ours, calcPlainMetricReplicas' rebalancing. A scale-up (12 over 10) with a Pending and a
  // missing pod, both at 0: 24 / 4 = 6 points down, so the count stays; on a scale-down a missing
  // pod counts as the target: (2 + 2 + 10) / 3 = 4.666 -> ceil(0.4666 x 3) = 2.
  EXPECT_EQ(hpa::pods_replicas(4, Pods{value(12), value(12), pending(0), missing(0)}, 10, {}).replicas, 4);
  EXPECT_EQ(hpa::pods_replicas(2, Pods{value(12), value(12)}, 10, {}).replicas, 3);
  EXPECT_EQ(hpa::pods_replicas(3, Pods{value(2), value(2), missing(0)}, 10, {}).replicas, 2);
  EXPECT_EQ(hpa::pods_replicas(2, Pods{pending(0), pending(0)}, 10, {}).reason, Reason::kFailedGetPodsMetric);
}

TEST(HpaFunctions, ExternalAndObjectMetricReplicasMatchReplicaCalculatorTests) {
  struct Row {
    const char* upstream;
    int current, ready_pods;
    double total, target;
    int expected;
  };
  // target.value: GetExternalMetricReplicas and GetObjectMetricReplicas share this arithmetic.
  const std::vector<Row> value_rows = {
      {"TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods", 3, 1, 8.6, 4.4, 2},
      {"TestReplicaCalcScaleDownCMExternal", 5, 5, 8.6, 14.334, 3},
      {"TestReplicaCalcToleranceCMExternal", 3, 3, 8.6, 8.888, 3},
      {"TestReplicaCalcScaleUpCMObject", 3, 3, 20, 15, 4},
      {"TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods", 3, 1, 50, 10, 5},
      {"TestReplicaCalcScaleDownCMObject", 5, 5, 12, 20, 3},
      {"TestReplicaCalcToleranceCMObject", 3, 3, 20.666, 20, 3},
  };
  for (const auto& r : value_rows) {
    SCOPED_TRACE(r.upstream);
    const hpa::MetricResult got = hpa::external_value_replicas(r.current, r.ready_pods, r.total, r.target, {});
    EXPECT_EQ(got.replicas, r.expected);
    EXPECT_DOUBLE_EQ(got.current, r.total);
  }
  // Ours: from zero replicas the ratio alone decides (scale from zero), without a tolerance.
  EXPECT_EQ(hpa::external_value_replicas(0, 0, 10.5, 10, {}).replicas, 2);

  struct AverageRow {
    const char* upstream;
    int status_replicas;
    double total, target;
    int expected;
    double shown;
  };
  // target.averageValue: GetExternalPerPodMetricReplicas and GetObjectPerPodMetricReplicas.
  const std::vector<AverageRow> average_rows = {
      {"TestReplicaCalcScaleUpPerPodCMExternal", 3, 8.6, 2.15, 4, 2.867},
      {"TestReplicaCalcScaleDownPerPodCMExternal", 5, 8.6, 2.867, 3, 1.72},
      {"TestReplicaCalcTolerancePerPodCMExternal", 3, 8.6, 2.9, 3, 2.867},
      {"TestReplicaCalcScaleUpCMPerPodObject", 3, 20, 5, 4, 6.667},
      {"TestReplicaCalcScaleDownPerPodCMObject", 5, 6, 2, 3, 1.2},
      {"TestReplicaCalcTolerancePerPodCMObject", 4, 20.166, 5, 4, 5.042},
  };
  for (const auto& r : average_rows) {
    SCOPED_TRACE(r.upstream);
    const hpa::MetricResult got = hpa::external_average_replicas(r.status_replicas, r.total, r.target, {});
    EXPECT_EQ(got.replicas, r.expected);
    EXPECT_NEAR(got.current, r.shown, 1e-9);
  }
}

// ---------------------------------------------------------------- stabilization

TEST(HpaFunctions, StabilizeMatchesNormalizeDesiredReplicasWithBehavior) {
  struct Row {
    const char* upstream;
    std::vector<std::pair<int, int>> history;  // (replicas, age in seconds)
    int current, desired, up_window, down_window;
    int expected;
    Reason reason;
    std::vector<int> stored;  // the history after recording `desired` (empty: not checked upstream)
  };
  // Upstream leaves a window it does not set at 0 (the struct's zero), not at the 300 s default.
  const std::vector<Row> rows = {
      {"empty recommendations for scaling down", {}, 100, 5, 0, 0, 5, Reason::kReadyForNewScale, {5}},
      {"simple scale down stabilization", {{4, 120}, {5, 60}}, 100, 3, 0, 180, 5, Reason::kScaleDownStabilized, {4, 5, 3}},
      {"simple scale up stabilization", {{4, 120}, {5, 60}}, 1, 7, 300, 0, 4, Reason::kScaleUpStabilized, {4, 5, 7}},
      {"no scale down stabilization", {{1, 120}, {2, 60}}, 100, 3, 300, 0, 3, Reason::kReadyForNewScale, {1, 2, 3}},
      {"no scale up stabilization", {{4, 120}, {5, 60}}, 1, 3, 0, 300, 3, Reason::kReadyForNewScale, {4, 5, 3}},
      {"no scale down stabilization, reuse recommendation element", {{10, 600}, {9, 540}}, 100, 3, 0, 0, 3,
       Reason::kReadyForNewScale, {10, 3}},
      {"no scale up stabilization, reuse recommendation element", {{10, 600}, {9, 540}}, 1, 100, 0, 0, 100,
       Reason::kReadyForNewScale, {10, 100}},
      {"scale down stabilization, reuse one of obsolete recommendation element", {{10, 600}, {4, 60}, {5, 120}, {9, 540}},
       100, 3, 0, 180, 5, Reason::kScaleDownStabilized, {10, 4, 5, 3}},
      // Upstream's comment has the down window at 300 by default; its struct leaves it at 0, which
      // is what the expected history (only the first element obsolete at 300 s) needs.
      {"scale up stabilization, reuse one of obsolete recommendation element", {{10, 6000}, {6, 60}, {5, 120}, {9, 180}},
       1, 100, 300, 0, 5, Reason::kScaleUpStabilized, {100, 6, 5, 9}},
      {"scale up and down stabilization, do not scale up when prenormalized rec goes down", {{2, 6000}, {3, 180}}, 2, 1,
       300, 300, 2, Reason::kScaleDownStabilized, {}},
      {"scale up and down stabilization, do not scale down when prenormalized rec goes up", {{2, 6000}, {1, 180}}, 2, 3,
       300, 300, 2, Reason::kScaleUpStabilized, {}},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.upstream);
    std::vector<hpa::Recommendation> history;
    for (const auto& [replicas, age] : r.history) history.push_back({replicas, kNow - age});
    const hpa::Result got = hpa::stabilize(r.current, r.desired, history, kNow, r.up_window, r.down_window);
    EXPECT_EQ(got.replicas, r.expected);
    EXPECT_EQ(got.reason, r.reason);
    if (r.stored.empty()) continue;
    hpa::record_recommendation(history, r.desired, kNow, std::max(r.up_window, r.down_window));
    std::vector<int> stored;
    for (const auto& h : history) stored.push_back(h.replicas);
    EXPECT_EQ(stored, r.stored);
  }
}

// ---------------------------------------------------------------- rate limits

// generateScalingRules: a Pods policy and a Percent policy (a value of 0 = none), selectPolicy Max.
ScalingRules rules(int pods, int pods_period, int percent, int percent_period, int window) {
  ScalingRules r{{}, SelectPolicy::kMax, window};
  if (pods != 0) r.policies.push_back({ScalingPolicy::Type::kPods, pods, pods_period});
  if (percent != 0) r.policies.push_back({ScalingPolicy::Type::kPercent, percent, percent_period});
  return r;
}

// generateEventsUniformDistribution: n events spread over the last `period` seconds, each at the
// middle of its segment, oldest first (3 events over 120 s: 100, 60 and 20 s ago).
std::vector<hpa::ScaleEvent> uniform_events(const std::vector<int>& changes, int period) {
  std::vector<hpa::ScaleEvent> events;
  const double segment = static_cast<double>(period) / static_cast<double>(changes.size());
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const auto age = static_cast<std::int64_t>(period - segment * static_cast<double>(i + 1) + segment / 2);
    events.push_back({changes[i], kNow - age});
  }
  return events;
}

TEST(HpaFunctions, LimitRateMatchesScalingWithRules) {
  struct Row {
    const char* upstream;
    std::vector<hpa::ScaleEvent> up_events, down_events;
    int min, max;
    std::optional<ScalingRules> up, down;  // none: GenerateHPAScale{Up,Down}Rules' defaults
    int current, desired;
    int expected;
    Reason reason;
  };
  const std::vector<Row> rows = {
      {"prenormalized desired replicas within range", {}, {}, 3, 8, {}, {}, 5, 7, 7, Reason::kDesiredWithinRange},
      {"prenormalized desired replicas < minReplicas", {}, {}, 2, 8, {}, {}, 3, 1, 2, Reason::kTooFewReplicas},
      {"prenormalized desired replicas within range when minReplicas is 0", {}, {}, 0, 10, {}, {}, 1, 0, 0,
       Reason::kDesiredWithinRange},
      {"maxReplicas is the limit because maxReplicas < scaleUpLimit", {}, {}, 1, 10, {}, {}, 20, 1000, 10,
       Reason::kTooManyReplicas},
      {"desired replica count is more than the maximum replica count", {}, {}, 100, 150, {}, {}, 100, 1000, 150,
       Reason::kTooManyReplicas},
      {"scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", {}, {}, 1, 2000,
       rules(0, 0, 1, 60, 0), {}, 3, 1000, 4, Reason::kScaleUpLimit},
      // Upstream marks this row testThis and skips it; it holds all the same.
      {"scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies", {}, {}, 3, 2000, {},
       rules(20, 60, 0, 0, 0), 1000, 3, 980, Reason::kScaleDownLimit},
      {"scaleUp with default behavior", {}, {}, 1, 1000, {}, {}, 10, 50, 20, Reason::kScaleUpLimit},
      {"scaleUp with pods policy larger than percent policy", {}, {}, 1, 1000, rules(100, 60, 100, 60, 0), {}, 10, 500,
       110, Reason::kScaleUpLimit},
      {"scaleUp with percent policy larger than pods policy", {}, {}, 1, 1000, rules(2, 60, 100, 60, 0), {}, 10, 500, 20,
       Reason::kScaleUpLimit},
      {"scaleUp with spec MaxReplicas limitation with large pod policy", {}, {}, 1, 1000, rules(100, 60, 0, 0, 0), {}, 10,
       50, 50, Reason::kDesiredWithinRange},
      {"scaleUp with pod policy limitation", {}, {}, 1, 1000, rules(30, 60, 0, 0, 0), {}, 10, 50, 40, Reason::kScaleUpLimit},
      {"scaleUp with percent policy limitation", {}, {}, 1, 1000, rules(0, 0, 200, 60, 0), {}, 10, 50, 30,
       Reason::kScaleUpLimit},
      {"scaleDown with percent policy larger than pod policy", {}, {}, 1, 1000, {}, rules(20, 60, 1, 60, 300), 100, 2, 80,
       Reason::kScaleDownLimit},
      {"scaleDown with pod policy larger than percent policy", {}, {}, 1, 1000, {}, rules(2, 60, 1, 60, 300), 100, 2, 98,
       Reason::kScaleDownLimit},
      {"scaleDown with spec MinReplicas=nil limitation with large pod policy", {}, {}, 1, 1000, {},
       rules(100, 60, 0, 0, 300), 10, 0, 1, Reason::kTooFewReplicas},
      {"scaleDown with spec MinReplicas limitation with large percent policy", {}, {}, 5, 1000, {},
       rules(0, 0, 100, 60, 300), 10, 2, 5, Reason::kTooFewReplicas},
      {"scaleDown with pod policy limitation", {}, {}, 1, 1000, {}, rules(5, 60, 0, 0, 300), 10, 2, 5,
       Reason::kScaleDownLimit},
      {"scaleDown with percent policy limitation", {}, {}, 1, 1000, {}, rules(0, 0, 50, 60, 300), 10, 5, 5,
       Reason::kDesiredWithinRange},
      // With events: only the 20 s old event of 9 is within 60 s, so 91 + 300 -> maxReplicas.
      {"scaleUp with spec MaxReplicas limitation with large pod policy and events", uniform_events({1, 5, 9}, 120), {}, 1,
       200, rules(300, 60, 0, 0, 0), {}, 100, 500, 200, Reason::kTooManyReplicas},
      {"scaleUp with spec MaxReplicas limitation with large percent policy and events", uniform_events({1, 5, 9}, 120), {},
       1, 200, rules(0, 0, 10000, 60, 0), {}, 100, 500, 200, Reason::kTooManyReplicas},
      {"scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
       uniform_events({1, 5, 9}, 120), {}, 1, 1000, rules(5, 120, 0, 0, 0), {}, 100, 500, 100, Reason::kScaleUpLimit},
      {"scaleUp with pod policy and previous scale up events", uniform_events({1, 5, 9}, 120), {}, 1, 1000,
       rules(150, 120, 0, 0, 0), {}, 100, 500, 235, Reason::kScaleUpLimit},
      {"scaleUp with percent policy and previous scale up events", uniform_events({1, 5, 9}, 120), {}, 1, 1000,
       rules(0, 0, 200, 120, 0), {}, 100, 500, 255, Reason::kScaleUpLimit},
      {"scaleUp with percent policy and previous scale up and down events", uniform_events({4}, 120),
       uniform_events({2}, 120), 1, 1000, rules(0, 0, 300, 300, 0), {}, 6, 24, 16, Reason::kScaleUpLimit},
      {"scaleDown with default policy and previous events", {}, uniform_events({1, 5, 9}, 120), 1, 1000, {}, {}, 10, 5, 5,
       Reason::kDesiredWithinRange},
      {"scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events", {},
       uniform_events({1, 5, 9}, 120), 1, 1000, {}, rules(115, 120, 0, 0, 300), 100, 0, 1, Reason::kTooFewReplicas},
      {"scaleDown with spec MinReplicas limitation with large pod policy and previous events", {},
       uniform_events({1, 5, 9}, 120), 5, 1000, {}, rules(130, 120, 0, 0, 300), 100, 0, 5, Reason::kTooFewReplicas},
      {"scaleDown with spec MinReplicas limitation with large percent policy and previous events", {},
       uniform_events({1, 5, 9}, 120), 5, 1000, {}, rules(0, 0, 100, 120, 300), 100, 2, 5, Reason::kTooFewReplicas},
      {"scaleDown with pod policy limitation and previous events", {}, uniform_events({1, 5, 9}, 120), 1, 1000, {},
       rules(5, 120, 0, 0, 300), 100, 2, 100, Reason::kScaleDownLimit},
      {"scaleDown with percent policy limitation and previous events", {}, uniform_events({2, 4, 6}, 120), 1, 1000, {},
       rules(0, 0, 50, 120, 300), 100, 0, 56, Reason::kScaleDownLimit},
      {"scaleDown with percent policy and previous scale up and down events", uniform_events({2}, 120),
       uniform_events({4}, 120), 1, 1000, {}, rules(0, 0, 50, 180, 0), 10, 1, 6, Reason::kScaleDownLimit},
      {"scaleDown with previous events preventing further scale down", {}, uniform_events({10, 10, 10}, 120), 1, 1000, {},
       rules(0, 0, 10, 120, 300), 100, 0, 100, Reason::kScaleDownLimit},
      {"scaleDown with with previous events still allowing more scale down", {}, uniform_events({10, 10, 10}, 120), 1,
       1000, {}, rules(0, 0, 1000, 120, 300), 10, 5, 5, Reason::kDesiredWithinRange},
      {"check 'outdated' flag for events for one behavior for up", uniform_events({8, 12, 9, 11}, 120), {}, 1, 1000,
       rules(1000, 60, 0, 0, 0), {}, 100, 200, 200, Reason::kDesiredWithinRange},
      {"check that events were not marked 'outdated' for two different policies in the behavior for up",
       uniform_events({8, 12, 9, 11}, 120), {}, 1, 1000, rules(1000, 120, 100, 60, 0), {}, 100, 200, 200,
       Reason::kDesiredWithinRange},
      {"check that events were marked 'outdated' for two different policies in the behavior for up",
       uniform_events({8, 12, 9, 11}, 120), {}, 1, 1000, rules(1000, 30, 100, 60, 0), {}, 100, 200, 200,
       Reason::kDesiredWithinRange},
      {"check 'outdated' flag for events for one behavior for down", {}, uniform_events({8, 12, 9, 11}, 120), 1, 1000, {},
       rules(1000, 60, 0, 0, 300), 100, 5, 5, Reason::kDesiredWithinRange},
      {"check that events were not marked 'outdated' for two different policies in the behavior for down", {},
       uniform_events({8, 12, 9, 11}, 120), 1, 1000, {}, rules(1000, 120, 100, 60, 300), 100, 5, 5,
       Reason::kDesiredWithinRange},
      {"check that events were marked 'outdated' for two different policies in the behavior for down", {},
       uniform_events({8, 12, 9, 11}, 120), 1, 1000, {}, rules(1000, 30, 100, 60, 300), 100, 5, 5,
       Reason::kDesiredWithinRange},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(std::string("TestScalingWithRules: ") + r.upstream);
    const ScalingRules up = r.up.value_or(hpa::default_scale_up_rules());
    const ScalingRules down = r.down.value_or(hpa::default_scale_down_rules());
    const hpa::Result got =
        hpa::limit_rate(r.current, r.desired, r.min, r.max, up, down, r.up_events, r.down_events, kNow);
    EXPECT_EQ(got.replicas, r.expected);
    EXPECT_EQ(got.reason, r.reason);
  }
}

TEST(HpaFunctions, SelectPolicyMinAndDisabled) {
  ScalingRules two{{{ScalingPolicy::Type::kPods, 2, 60}, {ScalingPolicy::Type::kPercent, 50, 60}}, SelectPolicy::kMin, 300};
  // TestCalculateScaleUpLimitWithScalingRules: min(1 + 2, ceil(1 x 1.5)) = 2.
  EXPECT_EQ(hpa::scale_up_limit(1, {}, {}, two, kNow), 2);
  // TestCalculateScaleDownLimitWithBehaviors: Min is the smaller decrease, max(5 - 2, int(2.5)) = 3.
  EXPECT_EQ(hpa::scale_down_limit(5, {}, {}, two, kNow), 3);
  // Ours: Max picks the other policy in each direction; Disabled holds the count.
  two.select = SelectPolicy::kMax;
  EXPECT_EQ(hpa::scale_up_limit(1, {}, {}, two, kNow), 3);
  EXPECT_EQ(hpa::scale_down_limit(5, {}, {}, two, kNow), 2);
  two.select = SelectPolicy::kDisabled;
  EXPECT_EQ(hpa::limit_rate(5, 9, 1, 10, two, two, {}, {}, kNow).replicas, 5);
  EXPECT_EQ(hpa::limit_rate(5, 9, 1, 10, two, two, {}, {}, kNow).reason, Reason::kScaleUpLimit);
  EXPECT_EQ(hpa::limit_rate(5, 1, 1, 10, two, two, {}, {}, kNow).replicas, 5);
  EXPECT_EQ(hpa::limit_rate(5, 1, 1, 10, two, two, {}, {}, kNow).reason, Reason::kScaleDownLimit);
}

TEST(HpaFunctions, APeriodHoldsEventsNewerThanItsStart) {
  // Ours: upstream's events 60 s old fall just outside a 60 s period (time.Now() has moved on by
  // the time the period is cut); in whole seconds an event exactly one period old is outside.
  const ScalingRules pods = rules(1, 60, 0, 0, 0);
  EXPECT_EQ(hpa::scale_up_limit(10, std::vector<hpa::ScaleEvent>{{5, kNow - 60}}, {}, pods, kNow), 11);
  EXPECT_EQ(hpa::scale_up_limit(10, std::vector<hpa::ScaleEvent>{{5, kNow - 59}}, {}, pods, kNow), 6);
  EXPECT_EQ(hpa::scale_down_limit(10, {}, std::vector<hpa::ScaleEvent>{{5, kNow - 59}}, pods, kNow), 14);
}

TEST(HpaFunctions, LimitWithoutBehaviorMatchesConvertDesiredReplicasWithRules) {
  struct Row {
    const char* upstream;
    int current, desired, min, max, expected;
    Reason reason;
  };
  const std::vector<Row> rows = {
      {"prenormalized desired replicas within range", 5, 7, 3, 8, 7, Reason::kDesiredWithinRange},
      {"prenormalized desired replicas < minReplicas", 3, 1, 2, 8, 2, Reason::kTooFewReplicas},
      {"prenormalized desired zeroed replicas within range", 1, 0, 0, 10, 0, Reason::kDesiredWithinRange},
      {"maxReplicas is the limit because maxReplicas < scaleUpLimit", 20, 1000, 1, 10, 10, Reason::kTooManyReplicas},
      // Upstream expects calculateScaleUpLimit(3) with its test's factor of 8 (24); with the
      // controller's factor of 2 that is max(2 x 3, 4) = 6.
      {"scaleUpLimit is the limit because scaleUpLimit < maxReplicas", 3, 1000, 1, 2000, 6, Reason::kScaleUpLimit},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.upstream);
    const hpa::Result got = hpa::limit_without_behavior(r.current, r.desired, r.min, r.max);
    EXPECT_EQ(got.replicas, r.expected);
    EXPECT_EQ(got.reason, r.reason);
  }
}

TEST(HpaFunctions, StoreScaleEventMatchesStoreScaleEvents) {
  struct Row {
    const char* upstream;
    std::vector<std::pair<int, int>> previous;  // (change, age)
    ScalingRules rules;
    int change_in_60s;
    std::vector<int> stored;
  };
  // Upstream's rows with a behavior (without one Kubernetes stores no events; ours always has one).
  const std::vector<Row> rows = {
      {"empty entries with two-policy-behavior", {}, rules(10, 60, 100, 60, 0), 0, {5}},
      {"one outdated entry to be replaced with behavior", {{7, 61}}, rules(10, 60, 100, 60, 0), 0, {5}},
      {"one actual entry to be not touched with behavior", {{7, 58}}, rules(10, 60, 100, 60, 0), 7, {7, 5}},
      {"two entries, one of them to be replaced", {{7, 61}, {6, 59}}, rules(10, 60, 0, 0, 0), 6, {5, 6}},
      {"replace one entry, use policies with different periods", {{8, 29}, {6, 59}, {7, 61}, {9, 61}},
       rules(10, 60, 100, 30, 0), 14, {8, 6, 7, 5}},
      {"two entries, both actual", {{7, 58}, {6, 59}}, rules(10, 120, 100, 30, 0), 13, {7, 6, 5}},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.upstream);
    std::vector<hpa::ScaleEvent> events;
    for (const auto& [change, age] : r.previous) events.push_back({change, kNow - age});
    EXPECT_EQ(hpa::replicas_change_in_period(events, 60, kNow), r.change_in_60s);
    hpa::store_scale_event(events, 5, kNow, hpa::longest_period(r.rules));
    std::vector<int> stored;
    for (const auto& e : events) stored.push_back(e.change);
    EXPECT_EQ(stored, r.stored);
  }
}

TEST(HpaFunctions, NormalizeStabilizesThenLimits) {
  // Ours: 10 pods, a recommendation of 30 stabilized by nothing (up window 0), then +4 / +100 %
  // per 15 s: 20 (ScaleUpLimit); a fall to 2 held by a 300 s window at the recent 12.
  const auto up = hpa::default_scale_up_rules();
  const auto down = hpa::default_scale_down_rules();
  const hpa::Normalized a = hpa::normalize(10, 30, 1, 100, up, down, {}, {}, {}, kNow);
  EXPECT_EQ(a.replicas, 20);
  EXPECT_EQ(a.able_to_scale, Reason::kReadyForNewScale);
  EXPECT_EQ(a.scaling_limited, Reason::kScaleUpLimit);
  const std::vector<hpa::Recommendation> history{{12, kNow - 100}};
  const hpa::Normalized b = hpa::normalize(20, 2, 1, 100, up, down, history, {}, {}, kNow);
  EXPECT_EQ(b.replicas, 12);
  EXPECT_EQ(b.able_to_scale, Reason::kScaleDownStabilized);
  EXPECT_EQ(b.scaling_limited, Reason::kDesiredWithinRange);
  EXPECT_EQ(hpa::reason_name(b.able_to_scale), "ScaleDownStabilized");
  EXPECT_EQ(hpa::condition_type(b.able_to_scale), "AbleToScale");
  EXPECT_EQ(hpa::condition_type(b.scaling_limited), "ScalingLimited");
  EXPECT_EQ(hpa::condition_type(Reason::kFailedGetResourceMetric), "ScalingActive");
}

// ---------------------------------------------------------------- the policy keeps only history

TEST(HpaFunctions, PolicyHistoryStaysBoundedAndReportsReasons) {
  // A load swinging between 10 and 40 machines' worth for 2000 minutes: the policy scales both
  // ways all along, yet keeps at most one window of recommendations and one period of events
  // (plus the entries at the edges that Kubernetes overwrites next).
  std::vector<std::int64_t> loads;
  for (int m = 0; m < 2000; ++m) loads.push_back(testing::load_at((m / 30) % 2 == 0 ? 10 : 40, 0.6));
  Env env = testing::scripted_env(10, loads);
  // Slow scale-up policies (+1 pod or +10 % per 15 s) keep the limit binding through a minute.
  auto policy = testing::make("hpa:up_pods=1,up_percent=10");
  auto& hpa = testing::as<HpaPolicy>(*policy);
  env.reset(0);
  policy->reset(env);
  std::size_t largest = 0;
  bool limited = false;
  for (int m = 0; m < 1999; ++m) {
    env.step(policy->act(env));
    largest = std::max(largest, hpa.history_size());
    if (hpa.last_reasons().size() == 3 && hpa.last_reasons()[2] == Reason::kScaleUpLimit) limited = true;
  }
  EXPECT_LE(largest, 300 / 15 + 2 + 2 * 3u);  // 300 s of 15 s recommendations, 15 s of events each way
  EXPECT_TRUE(limited);  // 10 -> 40 takes many syncs
  ASSERT_EQ(hpa.last_reasons().size(), 3u);
  EXPECT_EQ(hpa.last_reasons()[0], Reason::kValidMetricFound);
}

}  // namespace
}  // namespace autoscale
