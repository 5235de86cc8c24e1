// autoscale.hpa: the Kubernetes HPA's steps (policies/hpa_functions.hpp) for an operator's own
// numbers, each returning (replicas, reason) with Kubernetes' condition reason. Scaling rules are
// dicts shaped like an HPA manifest's behavior.scaleUp / behavior.scaleDown; histories are lists of
// (value, age in seconds). python/autoscale/hpa.py re-exports this submodule.
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "bindings.hpp"
#include "core/error.hpp"
#include "policies/hpa_functions.hpp"

namespace autoscale::py {
namespace {

namespace hpa = autoscale::hpa;

pyb::tuple result(int replicas, hpa::Reason reason) { return pyb::make_tuple(replicas, std::string(hpa::reason_name(reason))); }

hpa::Tolerance tolerance_of(double tolerance, std::optional<double> up, std::optional<double> down) {
  hpa::Tolerance t{up.value_or(tolerance), down.value_or(tolerance)};
  if (!(t.up >= 0) || !(t.down >= 0)) throw Error("tolerance, up_tolerance and down_tolerance must be >= 0");
  return t;
}

void check_positive(double value, const char* name) {
  if (!(value > 0) || !std::isfinite(value)) throw Error(fmt::format("{} must be a positive number, got {}", name, value));
}

void check_current(int current, const char* name = "current") {
  if (current < 0) throw Error(fmt::format("{} must be >= 0, got {}", name, current));
}

// utilizations (fraction of request, None = missing), requests (default 1 each) and ready (default
// all True) as pods.
std::vector<hpa::Pod> pods_of(const std::vector<std::optional<double>>& values, const std::optional<std::vector<double>>& requests,
                              const std::optional<std::vector<bool>>& ready, const char* values_name, bool scale_by_request) {
  const std::size_t n = values.size();
  if (requests && requests->size() != n) {
    throw Error(fmt::format("requests has {} entries and {} has {}: one per pod", requests->size(), values_name, n));
  }
  if (ready && ready->size() != n) {
    throw Error(fmt::format("ready has {} entries and {} has {}: one per pod", ready->size(), values_name, n));
  }
  std::vector<hpa::Pod> pods(n);
  for (std::size_t i = 0; i < n; ++i) {
    hpa::Pod& p = pods[i];
    p.request = requests ? (*requests)[i] : 1.0;
    if (values[i]) {
      if (!std::isfinite(*values[i]) || *values[i] < 0) {
        throw Error(fmt::format("{}[{}] must be a number >= 0 or None (no metric), got {}", values_name, i, *values[i]));
      }
      p.usage = scale_by_request ? *values[i] * p.request : *values[i];
    }
    p.ready = ready ? (*ready)[i] : true;
  }
  return pods;
}

std::string text_of(pyb::handle h, const std::string& field) {
  if (!pyb::isinstance<pyb::str>(h)) throw Error(fmt::format("{} must be a string", field));
  return h.cast<std::string>();
}

int int_of(pyb::handle h, const std::string& field, int low) {
  if (!pyb::isinstance<pyb::int_>(h) || pyb::isinstance<pyb::bool_>(h)) throw Error(fmt::format("{} must be an integer", field));
  const long long v = h.cast<long long>();
  if (v < low || v > 1'000'000'000) throw Error(fmt::format("{} must be an integer in [{}, 1e9], got {}", field, low, v));
  return static_cast<int>(v);
}

// A behavior.scaleUp / scaleDown dict: policies [{type: Pods|Percent, value, periodSeconds}],
// selectPolicy Max|Min|Disabled, stabilizationWindowSeconds. Keys left out take Kubernetes'
// defaults for the direction; an unknown key is an error.
hpa::ScalingRules rules_of(const std::optional<pyb::dict>& d, bool up, const char* name) {
  hpa::ScalingRules rules = up ? hpa::default_scale_up_rules() : hpa::default_scale_down_rules();
  if (!d) return rules;
  for (const auto& [key_handle, value] : *d) {
    const std::string key = text_of(key_handle, std::string(name) + " key");
    const std::string field = std::string(name) + "." + key;
    if (key == "stabilizationWindowSeconds") {
      rules.stabilization_window_s = int_of(value, field, 0);
    } else if (key == "selectPolicy") {
      const std::string v = text_of(value, field);
      if (v == "Max") {
        rules.select = hpa::SelectPolicy::kMax;
      } else if (v == "Min") {
        rules.select = hpa::SelectPolicy::kMin;
      } else if (v == "Disabled") {
        rules.select = hpa::SelectPolicy::kDisabled;
      } else {
        throw Error(fmt::format("{} must be Max, Min or Disabled, got '{}'", field, v));
      }
    } else if (key == "policies") {
      if (!pyb::isinstance<pyb::sequence>(value) || pyb::isinstance<pyb::str>(value)) {
        throw Error(fmt::format("{} must be a list of policies", field));
      }
      rules.policies.clear();
      std::size_t i = 0;
      for (pyb::handle item : value) {
        const std::string at = fmt::format("{}[{}]", field, i++);
        if (!pyb::isinstance<pyb::dict>(item)) throw Error(fmt::format("{} must be a dict (type, value, periodSeconds)", at));
        hpa::ScalingPolicy p{hpa::ScalingPolicy::Type::kPods, -1, -1};
        bool typed = false;
        for (const auto& [k, v] : item.cast<pyb::dict>()) {
          const std::string pk = text_of(k, at + " key");
          if (pk == "type") {
            const std::string t = text_of(v, at + ".type");
            if (t != "Pods" && t != "Percent") throw Error(fmt::format("{}.type must be Pods or Percent, got '{}'", at, t));
            p.type = t == "Pods" ? hpa::ScalingPolicy::Type::kPods : hpa::ScalingPolicy::Type::kPercent;
            typed = true;
          } else if (pk == "value") {
            p.value = int_of(v, at + ".value", 1);
          } else if (pk == "periodSeconds") {
            p.period_s = int_of(v, at + ".periodSeconds", 1);
          } else {
            throw Error(fmt::format("{}: unknown key '{}' (type, value, periodSeconds)", at, pk));
          }
        }
        if (!typed || p.value < 0 || p.period_s < 0) throw Error(fmt::format("{} needs type, value and periodSeconds", at));
        rules.policies.push_back(p);
      }
      if (rules.policies.empty()) throw Error(fmt::format("{} must hold at least one policy (Kubernetes requires one)", field));
    } else if (key == "tolerance") {
      throw Error(fmt::format("{}: a direction's tolerance is the replicas step's (up_tolerance / down_tolerance), not the rate limit's", field));
    } else {
      throw Error(fmt::format("{}: unknown key '{}' (policies, selectPolicy, stabilizationWindowSeconds)", name, key));
    }
  }
  return rules;
}

// (value, age in seconds) pairs at the clock's now = 0.
std::vector<hpa::Recommendation> recommendations_of(const std::vector<std::pair<int, double>>& history) {
  std::vector<hpa::Recommendation> out;
  for (const auto& [replicas, age] : history) {
    if (!(age >= 0)) throw Error(fmt::format("recommendations: ages are seconds ago, >= 0 (got {})", age));
    out.push_back({replicas, -static_cast<std::int64_t>(std::llround(age))});
  }
  return out;
}

std::vector<hpa::ScaleEvent> events_of(const std::vector<std::pair<int, double>>& history, const char* name) {
  std::vector<hpa::ScaleEvent> out;
  for (const auto& [change, age] : history) {
    if (change < 0) throw Error(fmt::format("{}: a change is the replicas added (up) or removed (down), >= 0 (got {})", name, change));
    if (!(age >= 0)) throw Error(fmt::format("{}: ages are seconds ago, >= 0 (got {})", name, age));
    out.push_back({change, -static_cast<std::int64_t>(std::llround(age))});
  }
  return out;
}

}  // namespace

void bind_hpa(pyb::module_& parent) {
  auto m = parent.def_submodule(
      "hpa",
      "The Kubernetes HPA's arithmetic (replica_calculator.go, horizontal.go) for given numbers: each function returns "
      "(replicas, reason) with Kubernetes' condition reason (docs/python.md#the-hpas-arithmetic)");
  using Values = std::vector<std::optional<double>>;
  using Opt = std::optional<double>;

  m.def(
      "replicas",
      [](int current, const Values& utilizations, const std::optional<std::vector<double>>& requests,
         const std::optional<std::vector<bool>>& ready, double target, double tolerance, Opt up_tolerance,
         Opt down_tolerance) {
        check_current(current);
        check_positive(target, "target");
        const auto pods = pods_of(utilizations, requests, ready, "utilizations", true);
        const auto r = hpa::resource_replicas(current, pods, target, tolerance_of(tolerance, up_tolerance, down_tolerance));
        return result(r.replicas, r.reason);
      },
      pyb::kw_only(), pyb::arg("current"), pyb::arg("utilizations"), pyb::arg("requests") = pyb::none(),
      pyb::arg("ready") = pyb::none(), pyb::arg("target"), pyb::arg("tolerance") = 0.1,
      pyb::arg("up_tolerance") = pyb::none(), pyb::arg("down_tolerance") = pyb::none(),
      "A Resource metric with target.averageUtilization (target 0.6 = 60 %): each pod's utilization as a fraction of "
      "its request (None: no metric for it), its request (default 1 each; they are summed, so pods may differ) and "
      "whether its sample counts (ready=False: not Ready, in the CPU initialization period, or Pending). Returns "
      "(replicas, 'ValidMetricFound') or (current, 'FailedGetResourceMetric').");
  m.def(
      "pods_replicas",
      [](int current, const Values& values, const std::optional<std::vector<bool>>& ready, double target_average,
         double tolerance, Opt up_tolerance, Opt down_tolerance) {
        check_current(current);
        check_positive(target_average, "target_average");
        const auto pods = pods_of(values, std::nullopt, ready, "values", false);
        const auto r = hpa::pods_replicas(current, pods, target_average, tolerance_of(tolerance, up_tolerance, down_tolerance));
        return result(r.replicas, r.reason);
      },
      pyb::kw_only(), pyb::arg("current"), pyb::arg("values"), pyb::arg("ready") = pyb::none(),
      pyb::arg("target_average"), pyb::arg("tolerance") = 0.1, pyb::arg("up_tolerance") = pyb::none(),
      pyb::arg("down_tolerance") = pyb::none(),
      "A Pods metric with target.averageValue (e.g. requests per second per pod): each pod's value (None: no "
      "metric), ready=False for a Pending pod. Returns (replicas, 'ValidMetricFound') or (current, "
      "'FailedGetPodsMetric').");
  m.def(
      "external_replicas",
      [](int current, double total, Opt value, Opt average_value, std::optional<int> ready_pods, double tolerance,
         Opt up_tolerance, Opt down_tolerance) {
        check_current(current);
        if (value.has_value() == average_value.has_value()) {
          throw Error("external_replicas takes one of value= (target.value) and average_value= (target.averageValue)");
        }
        if (!(total >= 0) || !std::isfinite(total)) throw Error(fmt::format("total must be a number >= 0, got {}", total));
        const auto tol = tolerance_of(tolerance, up_tolerance, down_tolerance);
        if (average_value) {
          check_positive(*average_value, "average_value");
          if (ready_pods) throw Error("ready_pods is for value=: target.averageValue divides by the current replicas");
          const auto r = hpa::external_average_replicas(current, total, *average_value, tol);
          return result(r.replicas, r.reason);
        }
        check_positive(*value, "value");
        const int ready = ready_pods.value_or(current);
        check_current(ready, "ready_pods");
        const auto r = hpa::external_value_replicas(current, ready, total, *value, tol);
        return result(r.replicas, r.reason);
      },
      pyb::kw_only(), pyb::arg("current"), pyb::arg("total"), pyb::arg("value") = pyb::none(),
      pyb::arg("average_value") = pyb::none(), pyb::arg("ready_pods") = pyb::none(), pyb::arg("tolerance") = 0.1,
      pyb::arg("up_tolerance") = pyb::none(), pyb::arg("down_tolerance") = pyb::none(),
      "An External (or Object) metric: `total` is the metric's value (an External metric's series summed). value=: "
      "target.value, replicas = ceil(total / value x ready pods) (ready_pods defaults to current); average_value=: "
      "target.averageValue, replicas = ceil(total / average_value).");
  m.def(
      "stabilize",
      [](int current, int desired, const std::vector<std::pair<int, double>>& recommendations, int up_window,
         int down_window) {
        check_current(current);
        if (up_window < 0 || down_window < 0) throw Error("up_window and down_window are seconds, >= 0");
        const auto r = hpa::stabilize(current, desired, recommendations_of(recommendations), 0, up_window, down_window);
        return result(r.replicas, r.reason);
      },
      pyb::kw_only(), pyb::arg("current"), pyb::arg("desired"), pyb::arg("recommendations") = std::vector<std::pair<int, double>>{},
      pyb::arg("up_window") = 0, pyb::arg("down_window") = 300,
      "Stabilization: `recommendations` are earlier unstabilized recommendations as (replicas, seconds ago); the "
      "lowest within up_window and the highest within down_window bound the result. Returns (replicas, "
      "'ReadyForNewScale' | 'ScaleUpStabilized' | 'ScaleDownStabilized').");
  m.def(
      "limit",
      [](int current, int desired, int min_replicas, int max_replicas, const std::optional<pyb::dict>& scale_up,
         const std::optional<pyb::dict>& scale_down, const std::vector<std::pair<int, double>>& up_events,
         const std::vector<std::pair<int, double>>& down_events) {
        check_current(current);
        if (min_replicas < 0 || max_replicas < min_replicas) {
          throw Error(fmt::format("need 0 <= min_replicas <= max_replicas, got {} and {}", min_replicas, max_replicas));
        }
        const auto r = hpa::limit_rate(current, desired, min_replicas, max_replicas, rules_of(scale_up, true, "scale_up"),
                                       rules_of(scale_down, false, "scale_down"), events_of(up_events, "up_events"),
                                       events_of(down_events, "down_events"), 0);
        return result(r.replicas, r.reason);
      },
      pyb::kw_only(), pyb::arg("current"), pyb::arg("desired"), pyb::arg("min_replicas") = 1, pyb::arg("max_replicas"),
      pyb::arg("scale_up") = pyb::none(), pyb::arg("scale_down") = pyb::none(),
      pyb::arg("up_events") = std::vector<std::pair<int, double>>{},
      pyb::arg("down_events") = std::vector<std::pair<int, double>>{},
      "The rate limits and min/max: scale_up / scale_down as a manifest's behavior.scaleUp / scaleDown dict "
      "({'policies': [{'type': 'Pods', 'value': 4, 'periodSeconds': 15}], 'selectPolicy': 'Max'}; None: Kubernetes' "
      "defaults), recent scale events as (replicas added or removed, seconds ago). Returns (replicas, "
      "'DesiredWithinRange' | 'ScaleUpLimit' | 'ScaleDownLimit' | 'TooManyReplicas' | 'TooFewReplicas').");
  m.def(
      "normalize",
      [](int current, int desired, int min_replicas, int max_replicas, const std::optional<pyb::dict>& scale_up,
         const std::optional<pyb::dict>& scale_down, const std::vector<std::pair<int, double>>& recommendations,
         const std::vector<std::pair<int, double>>& up_events, const std::vector<std::pair<int, double>>& down_events) {
        check_current(current);
        if (min_replicas < 0 || max_replicas < min_replicas) {
          throw Error(fmt::format("need 0 <= min_replicas <= max_replicas, got {} and {}", min_replicas, max_replicas));
        }
        const auto n = hpa::normalize(current, desired, min_replicas, max_replicas, rules_of(scale_up, true, "scale_up"),
                                      rules_of(scale_down, false, "scale_down"), recommendations_of(recommendations),
                                      events_of(up_events, "up_events"), events_of(down_events, "down_events"), 0);
        return pyb::make_tuple(n.replicas, std::string(hpa::reason_name(n.able_to_scale)),
                               std::string(hpa::reason_name(n.scaling_limited)));
      },
      pyb::kw_only(), pyb::arg("current"), pyb::arg("desired"), pyb::arg("min_replicas") = 1, pyb::arg("max_replicas"),
      pyb::arg("scale_up") = pyb::none(), pyb::arg("scale_down") = pyb::none(),
      pyb::arg("recommendations") = std::vector<std::pair<int, double>>{},
      pyb::arg("up_events") = std::vector<std::pair<int, double>>{},
      pyb::arg("down_events") = std::vector<std::pair<int, double>>{},
      "What the controller does with a metric's proposal: stabilize (the windows from scale_up / scale_down's "
      "stabilizationWindowSeconds, default 0 and 300), then limit. Returns (replicas, AbleToScale reason, "
      "ScalingLimited reason).");
}

}  // namespace autoscale::py
