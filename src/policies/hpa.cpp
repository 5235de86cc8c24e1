#include "policies/hpa.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
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

using Type = hpa::ScalingPolicy::Type;

// One direction's rate policies: its list key, or its single-policy keys (exclusive with it).
std::vector<hpa::ScalingPolicy> read_rate_policies(SpecReader& r, const std::string& dir, int pods_default,
                                                   int percent_default, int max_percent) {
  const std::string list_key = dir + "_policies";
  const auto& args = r.spec().args;
  if (args.count(list_key)) {
    for (const char* k : {"_pods", "_percent", "_period", "_pods_period", "_percent_period"}) {
      if (args.count(dir + k)) {
        throw Error(fmt::format("policy '{}': {} and {} both set the scale-{} policies; give the list alone (or the "
                                "single-policy keys alone)",
                                r.spec().text, list_key, dir + k, dir));
      }
    }
  }
  // Read (and so known) either way; absent, they give the defaults.
  const int pods = r.integer(dir + "_pods", pods_default, 0, 100000);
  const int percent = r.integer(dir + "_percent", percent_default, 0, max_percent);
  const int period = r.integer(dir + "_period", 15, 1, 1800);
  const int pods_period = r.integer(dir + "_pods_period", period, 1, 1800);
  const int percent_period = r.integer(dir + "_percent_period", period, 1, 1800);
  const std::string list = r.text(list_key, "");
  if (args.count(list_key)) return parse_hpa_rate_policies(r.spec().text, list_key, list, max_percent);
  return {{Type::kPods, pods, pods_period}, {Type::kPercent, percent, percent_period}};
}

const hpa::ScalingPolicy* only_one(const std::vector<hpa::ScalingPolicy>& policies, Type type, bool& several) {
  const hpa::ScalingPolicy* found = nullptr;
  for (const auto& p : policies) {
    if (p.type != type || p.value <= 0) continue;
    if (found) several = true;
    found = &p;
  }
  return found;
}

// The period of a type's value-0 entry (the single keys' way of saying "none, period P"), if any.
const hpa::ScalingPolicy* unused_entry(const std::vector<hpa::ScalingPolicy>& policies, Type type) {
  for (const auto& p : policies) {
    if (p.type == type && p.value <= 0) return &p;
  }
  return nullptr;
}

hpa::ScalingRules rules_of(const std::vector<hpa::ScalingPolicy>& policies, bool select_min, int window_s) {
  hpa::ScalingRules rules{{}, select_min ? hpa::SelectPolicy::kMin : hpa::SelectPolicy::kMax, window_s};
  for (const auto& p : policies) {
    if (p.value > 0) rules.policies.push_back(p);
  }
  if (rules.policies.empty()) rules.select = hpa::SelectPolicy::kDisabled;
  return rules;
}

}  // namespace

std::string hpa_rate_policies_text(const std::vector<hpa::ScalingPolicy>& policies) {
  std::string out;
  for (const auto& p : policies) {
    out += fmt::format("{}{}{}/{}", out.empty() ? "" : "+", p.value, p.type == Type::kPods ? "pods" : "pct", p.period_s);
  }
  return out;
}

std::vector<hpa::ScalingPolicy> parse_hpa_rate_policies(const std::string& spec_text, const std::string& key,
                                                        const std::string& text, int max_percent) {
  std::vector<hpa::ScalingPolicy> out;
  const auto bad = [&](std::size_t i, const std::string& entry, const std::string& why) {
    return Error(fmt::format("policy '{}': {} entry {} '{}': {} (entries are VALUEpods/PERIOD or VALUEpct/PERIOD in "
                             "seconds, joined by '+', e.g. 4pods/60+10pods/600+100pct/15)",
                             spec_text, key, i + 1, entry, why));
  };
  if (text.empty()) throw bad(0, text, "empty list (a direction without policies is its _pods=0 and _percent=0)");
  std::size_t pos = 0;
  for (std::size_t i = 0;; ++i) {
    const auto plus = text.find('+', pos);
    const std::string entry = text.substr(pos, plus == std::string::npos ? std::string::npos : plus - pos);
    const auto slash = entry.find('/');
    if (slash == std::string::npos) throw bad(i, entry, "no '/PERIOD'");
    const std::string amount = entry.substr(0, slash);
    std::size_t digits = 0;
    while (digits < amount.size() && amount[digits] >= '0' && amount[digits] <= '9') ++digits;
    const std::string unit = amount.substr(digits);
    if (digits == 0 || (unit != "pods" && unit != "pct")) throw bad(i, entry, "expected a whole number then pods or pct");
    const Type type = unit == "pods" ? Type::kPods : Type::kPercent;
    const int hi = type == Type::kPods ? 100000 : max_percent;
    int value = 0, period = 0;
    const auto whole = [](const std::string& t, int& v) {
      const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      return ec == std::errc() && p == t.data() + t.size();
    };
    if (!whole(amount.substr(0, digits), value) || value < 1 || value > hi) {
      throw bad(i, entry, fmt::format("the value must be in [1, {}]", hi));
    }
    const std::string period_text = entry.substr(slash + 1);
    if (period_text.empty() || !whole(period_text, period) || period < 1 || period > 1800) {
      throw bad(i, entry, "the period must be whole seconds in [1, 1800]");
    }
    out.push_back({type, value, period});
    if (plus == std::string::npos) break;
    pos = plus + 1;
  }
  return out;
}

std::optional<std::string> hpa_single_rate_keys(const std::string& dir, const std::vector<hpa::ScalingPolicy>& policies) {
  bool several = false;
  const hpa::ScalingPolicy* pods = only_one(policies, Type::kPods, several);
  const hpa::ScalingPolicy* percent = only_one(policies, Type::kPercent, several);
  if (several) return std::nullopt;
  if (!pods) pods = unused_entry(policies, Type::kPods);
  if (!percent) percent = unused_entry(policies, Type::kPercent);
  // A type the list does not have takes the other's period (it has no effect).
  const int pods_period = pods ? pods->period_s : percent ? percent->period_s : 15;
  const int percent_period = percent ? percent->period_s : pods_period;
  const int pods_value = pods ? std::max(pods->value, 0) : 0;
  const int percent_value = percent ? std::max(percent->value, 0) : 0;
  const std::string period = pods_period == percent_period
                                 ? fmt::format("{}_period={}", dir, pods_period)
                                 : fmt::format("{0}_pods_period={1},{0}_percent_period={2}", dir, pods_period, percent_period);
  return fmt::format("{0}_pods={1},{0}_percent={2},{3}", dir, pods_value, percent_value, period);
}

std::string hpa_rate_keys(const std::string& dir, const std::vector<hpa::ScalingPolicy>& policies) {
  if (auto single = hpa_single_rate_keys(dir, policies)) return *single;
  return fmt::format("{}_policies={}", dir, hpa_rate_policies_text(policies));
}

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
  c.up_policies = read_rate_policies(r, "up", 4, 100, 100000);
  c.down_policies = read_rate_policies(r, "down", 0, 100, 100);
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

hpa::ScalingRules scale_up_rules(const HpaConfig& c) { return rules_of(c.up_policies, c.up_select_min, c.up_window_s); }

hpa::ScalingRules scale_down_rules(const HpaConfig& c) {
  return rules_of(c.down_policies, c.down_select_min, c.down_window_s);
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
