"""autoscale.hpa: the HPA's arithmetic for an operator's numbers. A few rows of Kubernetes' own
tables (replica_calculator_test.go, horizontal_test.go; the C++ test restates many more), the
simulator's policy read through the same functions, and the errors."""

import pytest

import autoscale
import autoscale.hpa as hpa


@pytest.mark.parametrize("upstream, kwargs, expected", [
    # Upstream levels are millicores of 1000 m requests: 300 m = 0.3 of the request.
    ("TestReplicaCalcScaleUp", dict(current=3, utilizations=[0.3, 0.5, 0.7], target=0.3), (5, "ValidMetricFound")),
    ("TestReplicaCalcScaleUpUnreadyLessScale",
     dict(current=3, utilizations=[0.3, 0.5, 0.7], ready=[False, True, True], target=0.3), (4, "ValidMetricFound")),
    ("TestReplicaCalcScaleDownIncludeUnreadyPods",
     dict(current=5, utilizations=[0.1, 0.3, 0.5, 0.25, 0.25], ready=[True, True, True, False, False], target=0.5),
     (2, "ValidMetricFound")),
    ("TestReplicaCalcTolerance",
     dict(current=3, utilizations=[1010 / 900, 1030 / 1000, 1020 / 1100], requests=[900, 1000, 1100], target=1.0),
     (3, "ValidMetricFound")),
    ("TestReplicaCalcMissingMetrics",
     dict(current=4, utilizations=[0.4, 0.095, None, None], target=1.0), (3, "ValidMetricFound")),
    ("TestReplicaCalcMissingMetricsUnreadyScaleUp",
     dict(current=3, utilizations=[0.1, 2.0, None], ready=[False, True, True], target=0.5), (4, "ValidMetricFound")),
    ("TestReplicaCalcEmptyMetrics", dict(current=4, utilizations=[None, None, None], target=1.0),
     (4, "FailedGetResourceMetric")),
])
def test_replicas_match_kubernetes_rows(upstream, kwargs, expected):
    assert hpa.replicas(**kwargs) == expected, upstream


def test_other_metric_forms():
    # TestReplicaCalcScaleUpCM, TestReplicaCalcToleranceCM (Pods metric, values in units).
    assert hpa.pods_replicas(current=3, values=[20, 10, 30], target_average=15) == (4, "ValidMetricFound")
    assert hpa.pods_replicas(current=3, values=[20, 21, 21], target_average=20) == (3, "ValidMetricFound")
    # TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods, TestReplicaCalcScaleUpPerPodCMExternal.
    assert hpa.external_replicas(current=3, ready_pods=1, total=8.6, value=4.4) == (2, "ValidMetricFound")
    assert hpa.external_replicas(current=3, total=8.6, average_value=2.15) == (4, "ValidMetricFound")


def test_stabilize_and_limit_match_kubernetes_rows():
    # TestNormalizeDesiredReplicasWithBehavior: "simple scale down stabilization", "simple scale up
    # stabilization".
    assert hpa.stabilize(current=100, desired=3, recommendations=[(4, 120), (5, 60)], down_window=180) == \
        (5, "ScaleDownStabilized")
    assert hpa.stabilize(current=1, desired=7, recommendations=[(4, 120), (5, 60)], up_window=300, down_window=0) == \
        (4, "ScaleUpStabilized")
    # TestScalingWithRules: "scaleUp with default behavior", "scaleUp with pod policy and previous
    # scale up events" (events of 1, 5, 9 replicas 100, 60 and 20 s ago), "scaleDown with percent
    # policy and previous scale up and down events".
    assert hpa.limit(current=10, desired=50, max_replicas=1000) == (20, "ScaleUpLimit")
    assert hpa.limit(current=100, desired=500, max_replicas=1000,
                     scale_up={"policies": [{"type": "Pods", "value": 150, "periodSeconds": 120}]},
                     up_events=[(1, 100), (5, 60), (9, 20)]) == (235, "ScaleUpLimit")
    assert hpa.limit(current=10, desired=1, max_replicas=1000,
                     scale_down={"policies": [{"type": "Percent", "value": 50, "periodSeconds": 180}],
                                 "stabilizationWindowSeconds": 0},
                     up_events=[(2, 60)], down_events=[(4, 60)]) == (6, "ScaleDownLimit")
    # TestCalculateScaleUpLimitWithScalingRules: selectPolicy Min.
    assert hpa.limit(current=1, desired=10, max_replicas=100, scale_up={
        "selectPolicy": "Min", "policies": [{"type": "Pods", "value": 2, "periodSeconds": 60},
                                            {"type": "Percent", "value": 50, "periodSeconds": 60}]}) == (2, "ScaleUpLimit")
    assert hpa.limit(current=5, desired=9, max_replicas=10, scale_up={"selectPolicy": "Disabled"}) == (5, "ScaleUpLimit")
    assert hpa.normalize(current=20, desired=2, max_replicas=100, recommendations=[(12, 100)]) == \
        (12, "ScaleDownStabilized", "DesiredWithinRange")


@pytest.mark.parametrize("call, message", [
    (lambda: hpa.replicas(current=2, utilizations=[0.5, 0.5], requests=[1.0], target=0.6), "requests has 1 entries"),
    (lambda: hpa.replicas(current=2, utilizations=[0.5, -1], target=0.6), r"utilizations\[1\] must be"),
    (lambda: hpa.replicas(current=2, utilizations=[0.5], target=0), "target must be a positive number"),
    (lambda: hpa.limit(current=1, desired=2, max_replicas=3, scale_up={"policy": []}), "unknown key 'policy'"),
    (lambda: hpa.limit(current=1, desired=2, max_replicas=3, scale_up={"policies": [{"type": "Pod", "value": 1,
                                                                                      "periodSeconds": 15}]}),
     r"scale_up.policies\[0\].type must be Pods or Percent"),
    (lambda: hpa.limit(current=1, desired=2, max_replicas=3, scale_down={"selectPolicy": "max"}),
     "must be Max, Min or Disabled"),
    (lambda: hpa.limit(current=1, desired=2, max_replicas=3, scale_up={"policies": []}), "at least one policy"),
    (lambda: hpa.external_replicas(current=1, total=5), "one of value= .* and average_value="),
    (lambda: hpa.stabilize(current=1, desired=2, recommendations=[(3, -5)]), "seconds ago"),
])
def test_bad_input_is_an_error_naming_the_field(call, message):
    with pytest.raises(autoscale.Error, match=message):
        call()
