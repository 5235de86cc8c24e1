"""The Kubernetes HPA's arithmetic for your own numbers (C++: src/policies/hpa_functions.hpp, the
functions the simulator's `hpa` policy runs), each answer with Kubernetes' condition reason:

    import autoscale.hpa as hpa
    hpa.replicas(current=4, utilizations=[0.9, 0.95, None, 0.85], requests=[0.5, 0.5, 0.5, 1.0], target=0.6)
    # -> (5, 'ValidMetricFound'): 88 % over 60 %, then the pod without a metric at 0 % on a scale-up
    hpa.stabilize(current=10, desired=6, recommendations=[(9, 120), (8, 60)], down_window=300)
    # -> (9, 'ScaleDownStabilized')
    hpa.limit(current=10, desired=40, max_replicas=100, up_events=[(3, 30)],
              scale_up={"policies": [{"type": "Pods", "value": 4, "periodSeconds": 60}]})
    # -> (11, 'ScaleUpLimit'): 7 replicas 60 s ago, + 4

docs/python.md describes every function and argument.
"""

from ._autoscale import hpa as _hpa

replicas = _hpa.replicas
pods_replicas = _hpa.pods_replicas
external_replicas = _hpa.external_replicas
stabilize = _hpa.stabilize
limit = _hpa.limit
normalize = _hpa.normalize

__all__ = ["replicas", "pods_replicas", "external_replicas", "stabilize", "limit", "normalize"]
