#include "formats/manifest.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "core/error.hpp"
#include "formats/aws_policies.hpp"
#include "policies/hpa.hpp"
#include "policies/spec.hpp"

namespace autoscale::formats {

// How a manifest's metric maps onto this simulator (docs/formats.md has the table):
// - The simulator's load is one number per minute, transactions (requests) per minute, and a
//   machine (a pod) serves tpm_per_machine of them at 100 %: the hpa policy's utilization is
//   load / (ready pods * tpm_per_machine), which is what a CPU Utilization metric of pods whose
//   CPU request is one machine's capacity measures. So `Resource cpu Utilization
//   averageUtilization: P` is target = P / 100.
// - A Pods or External (or KEDA prometheus) `AverageValue` target V is read as requests per
//   second per pod, the unit of Prometheus' rate(): a pod at V serves 60 V per minute, so
//   target = 60 V / tpm_per_machine. The hpa policy then applies the Resource calculation
//   (whole-percent utilization, unready pods left out / counted at 0 %), which for a per-pod
//   AverageValue differs only in that rounding (Kubernetes compares milli-units) and, for
//   External, in that Kubernetes divides by all pods rather than the ready ones.

namespace {

struct Ctx {
  std::string file;
  [[noreturn]] void fail(const std::string& path, const std::string& why) const {
    throw Error(fmt::format("{}: {}: {}", file, path, why));
  }
};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// A field the importer does not know is an error, never ignored.
void check_keys(const Ctx& c, const YAML::Node& n, const std::string& path, const std::vector<std::string>& known) {
  if (!n.IsMap()) c.fail(path, "expected a mapping");
  for (const auto& kv : n) {
    const std::string key = kv.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      c.fail(path + "." + key, fmt::format("unknown field (known here: {})", join(known)));
    }
  }
}

std::string scalar(const Ctx& c, const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) c.fail(path, "expected a value");
  return n.Scalar();
}

long long integer(const Ctx& c, const YAML::Node& n, const std::string& path, long long lo, long long hi) {
  const std::string s = scalar(c, n, path);
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) c.fail(path, fmt::format("expected an integer, got '{}'", s));
  if (v < lo || v > hi) c.fail(path, fmt::format("must be in [{}, {}], got {}", lo, hi, v));
  return v;
}

// A Kubernetes resource.Quantity: a decimal number with an optional SI or binary suffix.
double quantity(const Ctx& c, const YAML::Node& n, const std::string& path) {
  const std::string s = scalar(c, n, path);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc()) c.fail(path, fmt::format("expected a quantity, got '{}'", s));
  const std::string suffix(end, s.data() + s.size());
  static const std::map<std::string, double> scale = {{"", 1},       {"n", 1e-9},        {"u", 1e-6},
                                                      {"m", 1e-3},   {"k", 1e3},         {"M", 1e6},
                                                      {"G", 1e9},    {"Ki", 1024.0},     {"Mi", 1048576.0},
                                                      {"Gi", 1073741824.0}};
  const auto it = scale.find(suffix);
  if (it == scale.end()) c.fail(path, fmt::format("expected a quantity, got '{}'", s));
  return v * it->second;
}

// One direction's HPAScalingRules (GenerateHPAScaleUpRules / GenerateHPAScaleDownRules give the
// defaults when the field or its policies are absent).
struct Rules {
  int window = 0;
  std::vector<hpa::ScalingPolicy> policies;  // in the manifest's order; all values 0 = Disabled
  double tolerance = 0.1;
  bool select_min = false;
};

Rules read_rules(const Ctx& c, const YAML::Node& n, const std::string& path, bool up) {
  const HpaConfig defaults;
  Rules r;
  r.window = up ? defaults.up_window_s : defaults.down_window_s;
  r.policies = up ? defaults.up_policies : defaults.down_policies;
  if (!n || n.IsNull()) return r;
  check_keys(c, n, path, {"stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance"});
  if (n["stabilizationWindowSeconds"]) {
    r.window = static_cast<int>(integer(c, n["stabilizationWindowSeconds"], path + ".stabilizationWindowSeconds", 0, 3600));
  }
  if (const auto ps = n["policies"]) {
    const std::string pp = path + ".policies";
    if (!ps.IsSequence() || ps.size() == 0) c.fail(pp, "expected a non-empty list of Pods/Percent policies");
    r.policies.clear();
    for (std::size_t i = 0; i < ps.size(); ++i) {
      const std::string ip = fmt::format("{}[{}]", pp, i);
      check_keys(c, ps[i], ip, {"type", "value", "periodSeconds"});
      for (const char* k : {"type", "value", "periodSeconds"}) {
        if (!ps[i][k]) c.fail(ip + "." + k, "required");
      }
      const std::string type = scalar(c, ps[i]["type"], ip + ".type");
      const int value = static_cast<int>(integer(c, ps[i]["value"], ip + ".value", 1, 100000));
      const int period = static_cast<int>(integer(c, ps[i]["periodSeconds"], ip + ".periodSeconds", 1, 1800));
      if (type != "Pods" && type != "Percent") c.fail(ip + ".type", fmt::format("must be Pods or Percent, got '{}'", type));
      // Removing 100 % or more per period means no limit at all (the result is floored at
      // minReplicas either way), which a scale-down Percent of 100 says.
      const bool pods = type == "Pods";
      r.policies.push_back({pods ? hpa::ScalingPolicy::Type::kPods : hpa::ScalingPolicy::Type::kPercent,
                            (!up && !pods) ? std::min(value, 100) : value, period});
    }
  }
  if (const auto sp = n["selectPolicy"]) {
    const std::string v = scalar(c, sp, path + ".selectPolicy");
    if (v == "Disabled") {
      // No policy applies; the entries stay, at value 0, so that the spec keeps their periods.
      for (auto& p : r.policies) p.value = 0;
    } else if (v == "Min") {
      r.select_min = true;
    } else if (v != "Max") {
      c.fail(path + ".selectPolicy", fmt::format("must be Max, Min or Disabled, got '{}'", v));
    }
  }
  if (n["tolerance"]) {
    r.tolerance = quantity(c, n["tolerance"], path + ".tolerance");
    if (r.tolerance < 0 || r.tolerance > 1) c.fail(path + ".tolerance", fmt::format("must be in [0, 1], got {}", r.tolerance));
  }
  return r;
}

void apply_behavior(const Ctx& c, const YAML::Node& b, const std::string& path, HpaConfig& h) {
  if (b && !b.IsNull()) check_keys(c, b, path, {"scaleUp", "scaleDown"});
  const Rules up = read_rules(c, b ? b["scaleUp"] : YAML::Node(), path + ".scaleUp", true);
  const Rules down = read_rules(c, b ? b["scaleDown"] : YAML::Node(), path + ".scaleDown", false);
  h.up_tolerance = up.tolerance, h.down_tolerance = down.tolerance;
  h.up_select_min = up.select_min, h.down_select_min = down.select_min;
  h.up_window_s = up.window, h.up_policies = up.policies;
  h.down_window_s = down.window, h.down_policies = down.policies;
}

double checked_target(const Ctx& c, double target, const std::string& path) {
  if (!(target >= 0.01 && target <= 10)) {
    c.fail(path, fmt::format("is a utilization of {:.4g} of a machine's capacity; the hpa policy takes 0.01 to 10", target));
  }
  return target;
}

// An AverageValue in requests per second per pod, as a utilization of one machine.
double average_value_target(const Ctx& c, const YAML::Node& v, const std::string& path, const ServiceParams& s) {
  return checked_target(c, quantity(c, v, path) * 60.0 / s.tpm_per_machine, path);
}

double read_metric(const Ctx& c, const YAML::Node& m, const std::string& path, const ServiceParams& s) {
  check_keys(c, m, path, {"type", "resource", "containerResource", "pods", "external", "object"});
  if (!m["type"]) c.fail(path + ".type", "required");
  const std::string type = scalar(c, m["type"], path + ".type");
  if (type == "Resource" || type == "ContainerResource") {
    const std::string key = type == "Resource" ? "resource" : "containerResource";
    const std::string p = path + "." + key;
    const YAML::Node r = m[key];
    if (!r) c.fail(p, "required for type " + type);
    if (type == "Resource") {
      check_keys(c, r, p, {"name", "target"});
    } else {
      check_keys(c, r, p, {"name", "container", "target"});
    }
    if (!r["name"] || scalar(c, r["name"], p + ".name") != "cpu") {
      c.fail(p + ".name", "only cpu: this simulator's machines are limited by their request rate, which cpu stands for");
    }
    const YAML::Node t = r["target"];
    if (!t) c.fail(p + ".target", "required");
    check_keys(c, t, p + ".target", {"type", "averageUtilization", "averageValue", "value"});
    if (!t["type"] || scalar(c, t["type"], p + ".target.type") != "Utilization" || !t["averageUtilization"]) {
      c.fail(p + ".target.type",
             "only Utilization with averageUtilization: a cpu AverageValue or Value needs the pods' cpu request, which this "
             "simulator does not have");
    }
    return checked_target(c, integer(c, t["averageUtilization"], p + ".target.averageUtilization", 1, 1000) / 100.0,
                          p + ".target.averageUtilization");
  }
  if (type == "Pods" || type == "External") {
    const std::string key = type == "Pods" ? "pods" : "external";
    const std::string p = path + "." + key;
    const YAML::Node r = m[key];
    if (!r) c.fail(p, "required for type " + type);
    check_keys(c, r, p, {"metric", "target"});
    if (r["metric"]) check_keys(c, r["metric"], p + ".metric", {"name", "selector"});
    const YAML::Node t = r["target"];
    if (!t) c.fail(p + ".target", "required");
    check_keys(c, t, p + ".target", {"type", "averageUtilization", "averageValue", "value"});
    if (!t["type"] || scalar(c, t["type"], p + ".target.type") != "AverageValue" || !t["averageValue"]) {
      c.fail(p + ".target.type",
             "only AverageValue with averageValue (requests per second per pod): a total Value does not scale with the "
             "pods");
    }
    return average_value_target(c, t["averageValue"], p + ".target.averageValue", s);
  }
  if (type == "Object") c.fail(path + ".type", "Object metrics describe another object's value; refused");
  c.fail(path + ".type", fmt::format("must be Resource, ContainerResource, Pods or External, got '{}'", type));
}

// One `tolerance` when both directions share it; selectPolicy Min only when it is set; a
// direction's rate policies as single-policy keys when they can say them (hpa_rate_keys).
std::string to_spec(const HpaConfig& h) {
  const std::string tolerance = h.up_tolerance == h.down_tolerance
                                    ? fmt::format("tolerance={}", h.up_tolerance)
                                    : fmt::format("up_tolerance={},down_tolerance={}", h.up_tolerance, h.down_tolerance);
  return fmt::format("hpa:target={},{},sync={},up_window={},down_window={},{},{},min={},max={}{}{}", h.target, tolerance,
                     h.sync_s, h.up_window_s, h.down_window_s, hpa_rate_keys("up", h.up_policies),
                     hpa_rate_keys("down", h.down_policies), h.min_replicas, h.max_replicas,
                     h.up_select_min ? ",up_select=min" : "", h.down_select_min ? ",down_select=min" : "");
}

int replicas(const Ctx& c, const YAML::Node& n, const std::string& path, int lo, const ServiceParams& s) {
  const long long cap = s.max_machines();
  const long long v = integer(c, n, path, lo, 1 << 30);
  if (v > cap) c.fail(path, fmt::format("{} exceeds this scenario's fleet cap of {} machines", v, cap));
  return static_cast<int>(v);
}

void check_min_max(const Ctx& c, const HpaConfig& h, const std::string& path) {
  if (h.min_replicas > h.max_replicas) {
    c.fail(path, fmt::format("minimum {} exceeds maximum {}", h.min_replicas, h.max_replicas));
  }
}

HpaConfig import_hpa(const Ctx& c, const YAML::Node& doc, const ServiceParams& s) {
  const YAML::Node spec = doc["spec"];
  if (!spec) c.fail("spec", "required");
  check_keys(c, spec, "spec", {"scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior"});
  if (!spec["scaleTargetRef"]) c.fail("spec.scaleTargetRef", "required");
  HpaConfig h;
  h.sync_s = 15;  // the controller's --horizontal-pod-autoscaler-sync-period, not a manifest field
  h.min_replicas = spec["minReplicas"]
                       ? replicas(c, spec["minReplicas"], "spec.minReplicas", 1, s)  // 0 needs the alpha HPAScaleToZero gate
                       : 1;
  if (!spec["maxReplicas"]) c.fail("spec.maxReplicas", "required");
  h.max_replicas = replicas(c, spec["maxReplicas"], "spec.maxReplicas", 1, s);
  check_min_max(c, h, "spec.minReplicas");
  const YAML::Node metrics = spec["metrics"];
  if (!metrics || metrics.IsNull() || (metrics.IsSequence() && metrics.size() == 0)) {
    h.target = 0.8;  // autoscaling/v2's default: cpu at 80 % average utilization
  } else {
    if (!metrics.IsSequence()) c.fail("spec.metrics", "expected a list");
    if (metrics.size() > 1) {
      c.fail("spec.metrics[1]",
             "a second metric: Kubernetes scales to the largest proposal over its metrics, and this simulator has one load "
             "signal, so the metrics would only differ in their targets; keep the one that binds");
    }
    h.target = read_metric(c, metrics[0], "spec.metrics[0]", s);
  }
  apply_behavior(c, spec["behavior"], "spec.behavior", h);
  return h;
}

HpaConfig import_scaled_object(const Ctx& c, const YAML::Node& doc, const ServiceParams& s) {
  const YAML::Node spec = doc["spec"];
  if (!spec) c.fail("spec", "required");
  check_keys(c, spec,
             "spec", {"scaleTargetRef", "pollingInterval", "cooldownPeriod", "initialCooldownPeriod", "idleReplicaCount",
                      "minReplicaCount", "maxReplicaCount", "fallback", "advanced", "triggers"});
  if (!spec["scaleTargetRef"]) c.fail("spec.scaleTargetRef", "required");
  if (spec["idleReplicaCount"]) c.fail("spec.idleReplicaCount", "scaling to an idle count (zero) is not simulated");
  HpaConfig h;
  // pollingInterval is how often KEDA asks its scalers; this simulator runs the hpa's sync loop at
  // that period. On a cluster the HPA asks KEDA's metrics adapter every 15 s (its own sync), which
  // asks the scaler then (or serves the last poll with useCachedMetrics), so this is the period at
  // which the metric can change; docs/formats.md says where that is an approximation.
  h.sync_s = spec["pollingInterval"] ? static_cast<int>(integer(c, spec["pollingInterval"], "spec.pollingInterval", 1, 60)) : 30;
  if (60 % h.sync_s != 0) {
    c.fail("spec.pollingInterval", fmt::format("{} s does not divide a simulated minute (60 s)", h.sync_s));
  }
  if (!spec["minReplicaCount"]) {
    c.fail("spec.minReplicaCount",
           "absent means 0, scale to zero, which KEDA does outside the HPA and this simulator does not model; set it to 1 "
           "or more");
  }
  h.min_replicas = replicas(c, spec["minReplicaCount"], "spec.minReplicaCount", 0, s);
  if (h.min_replicas == 0) {
    c.fail("spec.minReplicaCount", "0 is scale to zero, which KEDA does outside the HPA and this simulator does not model");
  }
  h.max_replicas = spec["maxReplicaCount"] ? replicas(c, spec["maxReplicaCount"], "spec.maxReplicaCount", 1, s) : 100;
  if (h.max_replicas > s.max_machines()) {
    c.fail("spec.maxReplicaCount", fmt::format("absent means 100, which exceeds this scenario's fleet cap of {} machines",
                                               s.max_machines()));
  }
  check_min_max(c, h, "spec.minReplicaCount");
  // KEDA uses cooldownPeriod and initialCooldownPeriod only to scale to and from zero, which
  // minReplicaCount >= 1 rules out: they have no effect here, so they are checked and kept.
  for (const char* k : {"cooldownPeriod", "initialCooldownPeriod"}) {
    if (spec[k]) integer(c, spec[k], std::string("spec.") + k, 0, 1LL << 31);
  }
  // fallback replaces failing scalers' metrics; a simulated metric never fails.
  if (spec["fallback"]) check_keys(c, spec["fallback"], "spec.fallback", {"failureThreshold", "replicas", "behavior"});
  YAML::Node behavior;
  if (const auto adv = spec["advanced"]) {
    check_keys(c, adv, "spec.advanced", {"horizontalPodAutoscalerConfig", "restoreToOriginalReplicaCount", "scalingModifiers"});
    if (adv["scalingModifiers"]) {
      c.fail("spec.advanced.scalingModifiers", "a formula over several triggers; this simulator has one load signal");
    }
    if (const auto hc = adv["horizontalPodAutoscalerConfig"]) {
      check_keys(c, hc, "spec.advanced.horizontalPodAutoscalerConfig", {"name", "behavior"});
      behavior = hc["behavior"];
    }
  }
  apply_behavior(c, behavior, "spec.advanced.horizontalPodAutoscalerConfig.behavior", h);
  const YAML::Node triggers = spec["triggers"];
  if (!triggers || !triggers.IsSequence() || triggers.size() == 0) c.fail("spec.triggers", "expected a list of one trigger");
  if (triggers.size() > 1) {
    c.fail("spec.triggers[1]", "a second trigger: the HPA takes the largest proposal, and this simulator has one load signal");
  }
  const std::string tp = "spec.triggers[0]";
  const YAML::Node t = triggers[0];
  check_keys(c, t, tp, {"type", "name", "metadata", "metricType", "authenticationRef", "useCachedMetrics"});
  if (!t["type"]) c.fail(tp + ".type", "required");
  const std::string type = scalar(c, t["type"], tp + ".type");
  const YAML::Node md = t["metadata"];
  if (!md || !md.IsMap()) c.fail(tp + ".metadata", "required");
  if (type == "cpu") {
    check_keys(c, md, tp + ".metadata", {"value", "containerName"});
    if (!t["metricType"] || scalar(c, t["metricType"], tp + ".metricType") != "Utilization") {
      c.fail(tp + ".metricType", "only Utilization: a cpu AverageValue needs the pods' cpu request, which this simulator does not have");
    }
    if (!md["value"]) c.fail(tp + ".metadata.value", "required");
    h.target = checked_target(c, integer(c, md["value"], tp + ".metadata.value", 1, 1000) / 100.0, tp + ".metadata.value");
  } else if (type == "prometheus") {
    if (t["metricType"] && scalar(c, t["metricType"], tp + ".metricType") != "AverageValue") {
      c.fail(tp + ".metricType", "only AverageValue (requests per second per pod): a total Value does not scale with the pods");
    }
    if (!md["threshold"]) c.fail(tp + ".metadata.threshold", "required");
    // The other metadata (serverAddress, query, activationThreshold, ...) says where the request
    // rate comes from: the simulator's load is that rate.
    h.target = average_value_target(c, md["threshold"], tp + ".metadata.threshold", s);
  } else {
    c.fail(tp + ".type", fmt::format("only cpu and prometheus (a request rate) triggers, got '{}'", type));
  }
  return h;
}

YAML::Node load_yaml(const std::string& text, const std::string& file) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}: line {}: {}", file, e.mark.line + 1, e.msg));
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot read manifest '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Parsed {
  ManifestKind kind;
  HpaConfig config;
};

Parsed parse(const YAML::Node& doc, const Ctx& c, const ServiceParams& s) {
  if (!doc.IsMap()) c.fail("(document)", "expected a Kubernetes object");
  check_keys(c, doc, "(document)", {"apiVersion", "kind", "metadata", "spec", "status"});
  const std::string kind = doc["kind"] ? scalar(c, doc["kind"], "kind") : "";
  const std::string api = doc["apiVersion"] ? scalar(c, doc["apiVersion"], "apiVersion") : "";
  if (kind == "HorizontalPodAutoscaler") {
    if (api != "autoscaling/v2") c.fail("apiVersion", fmt::format("expected autoscaling/v2, got '{}'", api));
    return {ManifestKind::kHpa, import_hpa(c, doc, s)};
  }
  if (kind == "ScaledObject") {
    if (api != "keda.sh/v1alpha1") c.fail("apiVersion", fmt::format("expected keda.sh/v1alpha1, got '{}'", api));
    return {ManifestKind::kScaledObject, import_scaled_object(c, doc, s)};
  }
  c.fail("kind", fmt::format("expected HorizontalPodAutoscaler or ScaledObject, got '{}'", kind));
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A decimal with at most three places (milli-units), which both a Kubernetes Quantity and KEDA's
// float-parsed metadata read.
std::string decimal_text(double v) {
  std::string t = fmt::format("{:.3f}", std::round(v * 1000.0) / 1000.0);
  while (t.back() == '0') t.pop_back();
  if (t.back() == '.') t.pop_back();
  return t;
}

// A string scalar that must stay one (a Quantity, KEDA's string-valued metadata): tagged "!", as
// yaml-cpp tags a scalar that was quoted in the file, so that emit() quotes it again.
YAML::Node quoted(const std::string& v) {
  YAML::Node n(v);
  n.SetTag("!");
  return n;
}

// yaml-cpp's own emitter writes every scalar plain, so the operator's "3" (a string) would come
// back as 3 (a number); this one re-quotes the scalars that were quoted.
void emit(YAML::Emitter& out, const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      out << YAML::BeginMap;
      for (const auto& kv : n) {
        out << YAML::Key;
        emit(out, kv.first);
        out << YAML::Value;
        emit(out, kv.second);
      }
      out << YAML::EndMap;
      break;
    case YAML::NodeType::Sequence:
      out << YAML::BeginSeq;
      for (const auto& item : n) emit(out, item);
      out << YAML::EndSeq;
      break;
    case YAML::NodeType::Scalar:
      if (n.Tag() == "!") {
        out << YAML::DoubleQuoted << n.Scalar();
      } else {
        out << n.Scalar();
      }
      break;
    default:
      out << YAML::Null;
  }
}

YAML::Node rules_node(int window, const std::vector<hpa::ScalingPolicy>& list, bool select_min, double tolerance) {
  YAML::Node n;
  n["stabilizationWindowSeconds"] = window;
  YAML::Node policies(YAML::NodeType::Sequence);
  const auto add = [&](const char* type, int value, int period) {
    YAML::Node p;
    p["type"] = type;
    p["value"] = value;
    p["periodSeconds"] = period;
    policies.push_back(p);
  };
  const bool disabled = std::none_of(list.begin(), list.end(), [](const hpa::ScalingPolicy& p) { return p.value > 0; });
  if (disabled) {
    n["selectPolicy"] = "Disabled";
    // A valid list (Disabled ignores it), at the period the spec gives the Percent policy.
    const auto percent = std::find_if(list.begin(), list.end(),
                                      [](const hpa::ScalingPolicy& p) { return p.type == hpa::ScalingPolicy::Type::kPercent; });
    add("Percent", 100, percent != list.end() ? percent->period_s : list.empty() ? 15 : list.front().period_s);
  } else {
    n["selectPolicy"] = select_min ? "Min" : "Max";
    for (const auto& p : list) {
      if (p.value > 0) add(p.type == hpa::ScalingPolicy::Type::kPods ? "Pods" : "Percent", p.value, p.period_s);
    }
  }
  n["policies"] = policies;
  // Only a tolerance other than the cluster default needs the 1.33+ field.
  if (tolerance != 0.1) n["tolerance"] = quoted(fmt::format("{}", tolerance));
  return n;
}

// Utilization is a whole percent in both formats, so a target is rounded to it.
int whole_percent(double target) { return static_cast<int>(std::lround(target * 100.0)); }

}  // namespace

ImportedManifest import_manifest(const std::string& text, const std::string& file, const ServiceParams& service) {
  const Ctx c{file};
  const Parsed p = parse(load_yaml(text, file), c, service);
  return {p.kind, to_spec(p.config)};
}

ImportedManifest import_manifest_file(const std::string& path, const ServiceParams& service) {
  return import_manifest(read_text(path), path, service);
}

bool is_manifest_spec(const std::string& text) {
  return !text.empty() && text[0] == '@' && (ends_with(text, ".yaml") || ends_with(text, ".yml"));
}

std::string expand_manifest_spec(const std::string& text, const ServiceParams& service) {
  if (is_manifest_spec(text)) return import_manifest_file(text.substr(1), service).spec;
  if (is_aws_spec(text)) return import_aws_file(text.substr(1), service).spec;
  return text;
}

std::string manifest_name(const std::string& path) {
  const YAML::Node doc = load_yaml(read_text(path), path);
  const YAML::Node name = doc.IsMap() && doc["metadata"].IsMap() ? doc["metadata"]["name"] : YAML::Node();
  return name && name.IsScalar() ? name.Scalar() : std::string();
}

std::string export_manifest(const std::string& spec_text, const ExportOptions& o, const ServiceParams& service) {
  const PolicySpec user = parse_policy_spec(spec_text);
  if (user.name != "hpa") throw Error(fmt::format("policy '{}': only hpa specs can be exported as manifests", user.text));
  std::map<std::string, std::string> args = user.args;
  YAML::Node doc;
  if (!o.from.empty()) {
    const std::string text = read_text(o.from);
    doc = load_yaml(text, o.from);
    const Parsed orig = parse(doc, Ctx{o.from}, service);
    if (orig.kind != o.kind) {
      throw Error(fmt::format("{}: kind: is a {}, not the {} asked for", o.from,
                              orig.kind == ManifestKind::kHpa ? "HorizontalPodAutoscaler" : "ScaledObject",
                              o.kind == ManifestKind::kHpa ? "HorizontalPodAutoscaler" : "ScaledObject"));
    }
    // The spec's keys win; its `tolerance` (`up_period`, `down_period`) sets both, over the
    // original's per-direction tolerances (per-policy periods).
    // A direction's list key (`up_policies`) replaces all of the original's policies of that
    // direction; a single-policy key cannot change one policy of an original list it cannot say.
    const PolicySpec orig_spec = parse_policy_spec(to_spec(orig.config));
    for (const std::string dir : {"up", "down"}) {
      const std::vector<std::string> single = {dir + "_pods", dir + "_percent", dir + "_period", dir + "_pods_period",
                                               dir + "_percent_period"};
      const auto list = orig_spec.args.find(dir + "_policies");
      if (list == orig_spec.args.end()) continue;
      for (const auto& k : single) {
        if (user.args.count(k) && !user.args.count(dir + "_policies")) {
          throw Error(fmt::format("policy '{}': {} sets one scale-{} policy, but {}'s scale-{} policies are a list the "
                                  "single-policy keys cannot say ({}_policies={}); give {}_policies in full",
                                  user.text, k, dir, o.from, dir, dir, list->second, dir));
        }
      }
    }
    for (const auto& [k, v] : orig_spec.args) {
      if (user.args.count("tolerance") && (k == "up_tolerance" || k == "down_tolerance")) continue;
      if (user.args.count("up_period") && (k == "up_pods_period" || k == "up_percent_period")) continue;
      if (user.args.count("down_period") && (k == "down_pods_period" || k == "down_percent_period")) continue;
      const bool rate_key = k.find("_pods") != std::string::npos || k.find("_percent") != std::string::npos ||
                            k == "up_period" || k == "down_period";
      const std::string dir = k.rfind("up_", 0) == 0 ? "up" : "down";
      if (rate_key && user.args.count(dir + "_policies")) continue;
      args.emplace(k, v);
    }
  }
  std::string merged = "hpa";
  for (const auto& [k, v] : args) merged += (merged == "hpa" ? ":" : ",") + k + "=" + v;
  const PolicySpec eff = parse_policy_spec(merged);
  SpecReader r(eff);
  const HpaConfig h = read_hpa_config(r, service.max_machines());
  r.finish();
  const bool fresh = o.from.empty();
  const auto set = [&](std::initializer_list<const char*> keys) {
    if (fresh) return true;
    for (const char* k : keys) {
      if (user.args.count(k)) return true;
    }
    return false;
  };
  const bool up_set = set({"up_window", "up_pods", "up_percent", "up_period", "up_pods_period", "up_percent_period",
                            "up_policies", "up_select", "tolerance", "up_tolerance"});
  const bool down_set = set({"down_window", "down_pods", "down_percent", "down_period", "down_pods_period",
                              "down_percent_period", "down_policies", "down_select", "tolerance", "down_tolerance"});
  const auto up_rules = [&] {
    return rules_node(h.up_window_s, h.up_policies, h.up_select_min, h.up_tolerance);
  };
  const auto down_rules = [&] {
    return rules_node(h.down_window_s, h.down_policies, h.down_select_min, h.down_tolerance);
  };
  if (o.kind == ManifestKind::kHpa) {
    if (h.sync_s != 15) {
      throw Error(fmt::format("policy '{}': sync={} is the cluster's --horizontal-pod-autoscaler-sync-period, which an HPA "
                              "manifest cannot set (15 s by default; a ScaledObject's pollingInterval can)",
                              user.text, h.sync_s));
    }
    if (fresh) {
      doc["apiVersion"] = "autoscaling/v2";
      doc["kind"] = "HorizontalPodAutoscaler";
      doc["metadata"]["name"] = o.name;
      doc["spec"]["scaleTargetRef"]["apiVersion"] = "apps/v1";
      doc["spec"]["scaleTargetRef"]["kind"] = "Deployment";
      doc["spec"]["scaleTargetRef"]["name"] = o.name;
    }
    YAML::Node spec = doc["spec"];
    if (set({"min"})) spec["minReplicas"] = h.min_replicas;
    if (set({"max"})) spec["maxReplicas"] = h.max_replicas;
    if (set({"target"})) {
      YAML::Node metrics = spec["metrics"];
      if (!metrics || metrics.IsNull() || metrics.size() == 0) {
        YAML::Node m;
        m["type"] = "Resource";
        m["resource"]["name"] = "cpu";
        m["resource"]["target"]["type"] = "Utilization";
        YAML::Node list(YAML::NodeType::Sequence);
        list.push_back(m);
        spec["metrics"] = list;
        metrics = spec["metrics"];
      }
      YAML::Node m = metrics[0];
      const std::string type = m["type"].as<std::string>();
      const std::string key = type == "Resource" ? "resource"
                              : type == "ContainerResource" ? "containerResource"
                              : type == "Pods" ? "pods"
                                               : "external";
      YAML::Node target = m[key]["target"];
      if (type == "Resource" || type == "ContainerResource") {
        target["averageUtilization"] = whole_percent(h.target);
      } else {
        target["averageValue"] = quoted(decimal_text(h.target * service.tpm_per_machine / 60.0));
      }
    }
    if (up_set) {
      spec["behavior"]["scaleUp"] = up_rules();
    }
    if (down_set) {
      spec["behavior"]["scaleDown"] =
          down_rules();
    }
  } else {
    if (fresh) {
      doc["apiVersion"] = "keda.sh/v1alpha1";
      doc["kind"] = "ScaledObject";
      doc["metadata"]["name"] = o.name;
      doc["spec"]["scaleTargetRef"]["name"] = o.name;
    }
    YAML::Node spec = doc["spec"];
    if (set({"sync"})) spec["pollingInterval"] = h.sync_s;
    if (set({"min"})) spec["minReplicaCount"] = h.min_replicas;
    if (set({"max"})) spec["maxReplicaCount"] = h.max_replicas;
    if (up_set) {
      spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleUp"] =
          up_rules();
    }
    if (down_set) {
      spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"] =
          down_rules();
    }
    if (set({"target"})) {
      if (fresh) {
        YAML::Node t;
        t["type"] = "cpu";
        t["metricType"] = "Utilization";
        YAML::Node list(YAML::NodeType::Sequence);
        list.push_back(t);
        spec["triggers"] = list;
      }
      YAML::Node t = spec["triggers"][0];
      if (t["type"].as<std::string>() == "cpu") {
        t["metadata"]["value"] = quoted(fmt::format("{}", whole_percent(h.target)));
      } else {
        t["metadata"]["threshold"] = quoted(decimal_text(h.target * service.tpm_per_machine / 60.0));
      }
    }
  }
  YAML::Emitter out;
  emit(out, doc);
  return std::string(out.c_str()) + "\n";
}

}  // namespace autoscale::formats
