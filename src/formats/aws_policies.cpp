#include "formats/aws_policies.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <vector>

#include "core/error.hpp"
#include "policies/classical.hpp"
#include "policies/spec.hpp"
#include "policies/step_scaling.hpp"
#include "policies/target_tracking.hpp"

namespace autoscale::formats {

// How AWS's metrics map onto this simulator (docs/formats.md has the table). The simulator's
// policies read one utilization a minute: offered load / (in-service machines x tpm_per_machine).
// - CPUUtilization (the group's Average, AWS/EC2), ASGAverageCPUUtilization: a percentage P of
//   machines whose CPU is spent serving requests is the utilization P / 100.
// - RequestCountPerTarget (AWS/ApplicationELB, Sum over 60 s), ALBRequestCountPerTarget: V requests
//   a target a minute is the utilization V / tpm_per_machine (the simulator's load is requests a
//   minute, and warming instances are not yet healthy targets).
// Every value is converted by that one division (to 15 significant digits), and export writes the
// shortest decimal that converts back to the spec's value, so that export then import gives the
// same spec.

namespace {

using Json = nlohmann::ordered_json;
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Ctx {
  std::string file;
  [[noreturn]] void fail(const std::string& path, const std::string& why) const {
    throw Error(fmt::format("{}: {}: {}", file, path, why));
  }
};

std::string at(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }
std::string at(const std::string& path, std::size_t i) { return fmt::format("{}[{}]", path, i); }

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// The AWS CLI leaves unset fields out; a null is read as unset too.
const Json* field(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

// A field the importer does not know is an error, never ignored.
void check_keys(const Ctx& c, const Json& j, const std::string& path, const std::vector<std::string>& known) {
  if (!j.is_object()) c.fail(path, "expected an object");
  for (const auto& item : j.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      c.fail(at(path, item.key()), fmt::format("unknown field (known here: {})", join(known)));
    }
  }
}

const Json& required(const Ctx& c, const Json& j, const std::string& path, const char* key) {
  const Json* f = field(j, key);
  if (!f) c.fail(at(path, key), "required");
  return *f;
}

std::string text(const Ctx& c, const Json& j, const std::string& path) {
  if (!j.is_string()) c.fail(path, fmt::format("expected a string, got {}", j.dump()));
  return j.get<std::string>();
}

long long integer(const Ctx& c, const Json& j, const std::string& path, long long lo, long long hi) {
  if (!j.is_number_integer()) c.fail(path, fmt::format("expected an integer, got {}", j.dump()));
  const auto v = j.get<long long>();
  if (v < lo || v > hi) c.fail(path, fmt::format("must be in [{}, {}], got {}", lo, hi, v));
  return v;
}

double number(const Ctx& c, const Json& j, const std::string& path) {
  if (!j.is_number()) c.fail(path, fmt::format("expected a number, got {}", j.dump()));
  return j.get<double>();
}

bool boolean(const Ctx& c, const Json& j, const std::string& path) {
  if (!j.is_boolean()) c.fail(path, fmt::format("expected true or false, got {}", j.dump()));
  return j.get<bool>();
}

const Json& list(const Ctx& c, const Json& j, const std::string& path) {
  if (!j.is_array()) c.fail(path, "expected a list");
  return j;
}

// --- the fields of each object, as the AWS CLI's describe outputs and export's inputs have them

const std::vector<std::string> kPolicyCommon = {"AutoScalingGroupName", "PolicyName", "PolicyARN",
                                                "PolicyType",           "Alarms",     "Enabled"};
const std::vector<std::string> kPolicyTargetTracking = {"TargetTrackingConfiguration", "EstimatedInstanceWarmup"};
const std::vector<std::string> kPolicyStep = {"AdjustmentType",  "MinAdjustmentStep",     "MinAdjustmentMagnitude",
                                              "StepAdjustments", "MetricAggregationType", "EstimatedInstanceWarmup"};
const std::vector<std::string> kPolicySimple = {"AdjustmentType", "MinAdjustmentStep", "MinAdjustmentMagnitude",
                                                "ScalingAdjustment", "Cooldown"};
const std::vector<std::string> kPolicyPredictive = {"PredictiveScalingConfiguration"};
// What describe-policies adds to put-scaling-policy's input.
const std::vector<std::string> kPolicyOutputOnly = {"PolicyARN", "Alarms"};

const std::vector<std::string> kAlarmFields = {"AlarmName",
                                               "AlarmArn",
                                               "AlarmDescription",
                                               "AlarmConfigurationUpdatedTimestamp",
                                               "ActionsEnabled",
                                               "OKActions",
                                               "AlarmActions",
                                               "InsufficientDataActions",
                                               "StateValue",
                                               "StateReason",
                                               "StateReasonData",
                                               "StateUpdatedTimestamp",
                                               "StateTransitionedTimestamp",
                                               "MetricName",
                                               "Namespace",
                                               "Statistic",
                                               "ExtendedStatistic",
                                               "Dimensions",
                                               "Period",
                                               "Unit",
                                               "EvaluationPeriods",
                                               "DatapointsToAlarm",
                                               "Threshold",
                                               "ComparisonOperator",
                                               "TreatMissingData",
                                               "EvaluateLowSampleCountPercentile",
                                               "Metrics",
                                               "ThresholdMetricId",
                                               "Tags"};
// What describe-alarms adds to put-metric-alarm's input (the alarm's state).
const std::vector<std::string> kAlarmOutputOnly = {"AlarmArn",
                                                   "AlarmConfigurationUpdatedTimestamp",
                                                   "StateValue",
                                                   "StateReason",
                                                   "StateReasonData",
                                                   "StateUpdatedTimestamp",
                                                   "StateTransitionedTimestamp"};

const std::vector<std::string> kGroupFields = {"AutoScalingGroupName",
                                               "AutoScalingGroupARN",
                                               "LaunchConfigurationName",
                                               "LaunchTemplate",
                                               "MixedInstancesPolicy",
                                               "MinSize",
                                               "MaxSize",
                                               "DesiredCapacity",
                                               "PredictedCapacity",
                                               "DefaultCooldown",
                                               "AvailabilityZones",
                                               "LoadBalancerNames",
                                               "TargetGroupARNs",
                                               "HealthCheckType",
                                               "HealthCheckGracePeriod",
                                               "Instances",
                                               "CreatedTime",
                                               "SuspendedProcesses",
                                               "PlacementGroup",
                                               "VPCZoneIdentifier",
                                               "EnabledMetrics",
                                               "Status",
                                               "Tags",
                                               "TerminationPolicies",
                                               "NewInstancesProtectedFromScaleIn",
                                               "ServiceLinkedRoleARN",
                                               "MaxInstanceLifetime",
                                               "CapacityRebalance",
                                               "WarmPoolConfiguration",
                                               "WarmPoolSize",
                                               "Context",
                                               "DesiredCapacityType",
                                               "DefaultInstanceWarmup",
                                               "TrafficSources",
                                               "InstanceMaintenancePolicy",
                                               "AvailabilityZoneDistribution",
                                               "AvailabilityZoneImpairmentPolicy",
                                               "CapacityReservationSpecification"};
// The group's fields that export writes back (update-auto-scaling-group sets only what it is given).
const std::vector<std::string> kGroupExported = {"AutoScalingGroupName", "MinSize", "MaxSize", "DefaultCooldown",
                                                 "DefaultInstanceWarmup"};

// --- metrics

enum class MetricKind { kCpu, kRequests };
struct MetricRef {
  MetricKind kind = MetricKind::kCpu;
  std::string label;  // requests: the ALB ResourceLabel app/LB/ID/targetgroup/TG/ID ("" when unknown)
};

// What one utilization is in the metric's own units.
double unit(MetricKind kind, const ServiceParams& s) { return kind == MetricKind::kCpu ? 100.0 : s.tpm_per_machine; }

double decimal(double x, int digits) {
  const std::string t = fmt::format("{:.{}g}", x, digits);
  double v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

// The utilization an AWS value `v` is, to 15 significant digits (67.89 / 100 is 0.6789, not the
// division's 0.6789000000000001).
double from_aws(double v, double per) { return decimal(v / per, 15); }

// The AWS value whose utilization is `u`: the shortest decimal that from_aws reads back as u.
double to_aws(double u, double per) {
  for (int p = 1; p <= 17; ++p) {
    const double v = decimal(u * per, p);
    if (from_aws(v, per) == u) return v;
  }
  return u * per;
}
double negated(double v) { return v == 0 ? 0.0 : -v; }  // never -0 in a file

// A CloudWatch metric (an alarm's, or a target tracking policy's customized one).
MetricRef classify_metric(const Ctx& c, const Json& j, const std::string& path, const std::string& group,
                          const char* stat_key) {
  const std::string name = text(c, required(c, j, path, "MetricName"), at(path, "MetricName"));
  const std::string ns = text(c, required(c, j, path, "Namespace"), at(path, "Namespace"));
  const std::string stat = text(c, required(c, j, path, stat_key), at(path, stat_key));
  std::vector<std::pair<std::string, std::string>> dims;
  if (const Json* d = field(j, "Dimensions")) {
    const std::string dp = at(path, "Dimensions");
    for (std::size_t i = 0; i < list(c, *d, dp).size(); ++i) {
      const Json& e = (*d)[i];
      check_keys(c, e, at(dp, i), {"Name", "Value"});
      dims.emplace_back(text(c, required(c, e, at(dp, i), "Name"), at(at(dp, i), "Name")),
                        text(c, required(c, e, at(dp, i), "Value"), at(at(dp, i), "Value")));
    }
  }
  const auto dim = [&](const std::string& n) -> std::optional<std::string> {
    for (const auto& [k, v] : dims) {
      if (k == n) return v;
    }
    return std::nullopt;
  };
  if (name == "CPUUtilization" && ns == "AWS/EC2") {
    if (stat != "Average") {
      c.fail(at(path, stat_key), fmt::format("'{}': the group's CPU is read as its Average over the instances", stat));
    }
    if (dims.size() != 1 || dim("AutoScalingGroupName") != group) {
      c.fail(
          at(path, "Dimensions"),
          fmt::format("must be the one dimension AutoScalingGroupName = {}: the average over the group's instances", group));
    }
    return {MetricKind::kCpu, ""};
  }
  if (name == "RequestCountPerTarget" && ns == "AWS/ApplicationELB") {
    if (stat != "Sum") {
      c.fail(at(path, stat_key),
             fmt::format("'{}': RequestCountPerTarget is requests a target in the period, its Sum", stat));
    }
    const auto tg = dim("TargetGroup");
    if (!tg) c.fail(at(path, "Dimensions"), "needs TargetGroup: the target group of the group's instances");
    const auto lb = dim("LoadBalancer");
    return {MetricKind::kRequests, lb ? *lb + "/" + *tg : std::string()};
  }
  c.fail(at(path, "MetricName"),
         fmt::format("{} ({}): only CPUUtilization (AWS/EC2, the group's Average) and RequestCountPerTarget "
                     "(AWS/ApplicationELB, Sum): the CPU and the request rate this simulator's utilization stands for",
                     name, ns));
}

// --- the document

struct Item {
  Json j;
  std::string path;
};

struct Doc {
  bool put_form = false;  // export's calls rather than describe outputs
  std::string group_name;
  Item group;
  std::vector<Item> policies, alarms;
  std::vector<std::string> composite;  // composite alarms' names
  std::string policies_key;
};

Json parse_json(const std::string& text, const std::string& file) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw Error(fmt::format("{}: byte {}: not JSON: {}", file, e.byte, e.what()));
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot read AWS policy file '{}'", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Doc read_doc(const Ctx& c, const Json& root) {
  if (!root.is_object()) {
    c.fail("(document)",
           "expected an object: the outputs of aws autoscaling describe-policies, describe-auto-scaling-groups and aws "
           "cloudwatch describe-alarms merged (jq -s add ...), or what autoscale export --format aws writes");
  }
  const std::vector<std::string> described = {"ScalingPolicies", "AutoScalingGroups", "MetricAlarms", "CompositeAlarms",
                                              "NextToken"};
  const std::vector<std::string> put = {"UpdateAutoScalingGroup", "PutScalingPolicy", "PutMetricAlarm"};
  std::vector<std::string> known = described;
  known.insert(known.end(), put.begin(), put.end());
  check_keys(c, root, "", known);
  Doc d;
  const auto has_any = [&](const std::vector<std::string>& keys) -> std::string {
    for (const auto& k : keys) {
      if (root.contains(k)) return k;
    }
    return "";
  };
  const std::string first_put = has_any(put);
  d.put_form = !first_put.empty();
  if (d.put_form && !has_any(described).empty()) {
    c.fail(first_put, fmt::format("beside {}: a file holds either describe outputs or export's calls", has_any(described)));
  }
  if (root.contains("NextToken")) {
    c.fail("NextToken",
           "one page of a paginated output: run the describe command without --max-items, so that the CLI "
           "reads every page");
  }
  d.policies_key = d.put_form ? "PutScalingPolicy" : "ScalingPolicies";
  const Json* ps = field(root, d.policies_key.c_str());
  if (!ps || !ps->is_array() || ps->empty()) {
    c.fail(d.policies_key,
           "required: a non-empty list of the group's scaling policies (aws autoscaling describe-policies "
           "--auto-scaling-group-name GROUP)");
  }
  for (std::size_t i = 0; i < ps->size(); ++i) {
    const std::string p = at(d.policies_key, i);
    if (!(*ps)[i].is_object()) c.fail(p, "expected an object");
    const std::string name = text(c, required(c, (*ps)[i], p, "AutoScalingGroupName"), at(p, "AutoScalingGroupName"));
    if (i == 0) {
      d.group_name = name;
    } else if (name != d.group_name) {
      c.fail(at(p, "AutoScalingGroupName"), fmt::format("'{}', but {}[0] is of '{}': a file holds one group's policies",
                                                        name, d.policies_key, d.group_name));
    }
    d.policies.push_back({(*ps)[i], p});
  }
  if (d.put_form) {
    const Json* g = field(root, "UpdateAutoScalingGroup");
    if (!g) c.fail("UpdateAutoScalingGroup", "required: the group's MinSize and MaxSize");
    if (!g->is_object()) c.fail("UpdateAutoScalingGroup", "expected an object");
    d.group = {*g, "UpdateAutoScalingGroup"};
  } else {
    const Json* gs = field(root, "AutoScalingGroups");
    const std::string how = fmt::format(
        "the group's MinSize, MaxSize and warm-up: add the output of aws autoscaling describe-auto-scaling-groups "
        "--auto-scaling-group-names {}",
        d.group_name);
    if (!gs) c.fail("AutoScalingGroups", "required: " + how);
    bool found = false;
    for (std::size_t i = 0; i < list(c, *gs, "AutoScalingGroups").size(); ++i) {
      const std::string p = at(std::string("AutoScalingGroups"), i);
      if (!(*gs)[i].is_object()) c.fail(p, "expected an object");
      const std::string name = text(c, required(c, (*gs)[i], p, "AutoScalingGroupName"), at(p, "AutoScalingGroupName"));
      if (name != d.group_name || found) {
        c.fail(at(p, "AutoScalingGroupName"),
               fmt::format("'{}': a file describes the one group its policies are of, '{}'", name, d.group_name));
      }
      found = true;
      d.group = {(*gs)[i], p};
    }
    if (!found) c.fail("AutoScalingGroups", fmt::format("no group '{}': {}", d.group_name, how));
  }
  const std::string akey = d.put_form ? "PutMetricAlarm" : "MetricAlarms";
  if (const Json* as = field(root, akey.c_str())) {
    for (std::size_t i = 0; i < list(c, *as, akey).size(); ++i) {
      const std::string p = at(akey, i);
      if (!(*as)[i].is_object()) c.fail(p, "expected an object");
      text(c, required(c, (*as)[i], p, "AlarmName"), at(p, "AlarmName"));
      d.alarms.push_back({(*as)[i], p});
    }
  }
  if (const Json* cs = field(root, "CompositeAlarms")) {
    for (std::size_t i = 0; i < list(c, *cs, "CompositeAlarms").size(); ++i) {
      const Json* n = field((*cs)[i], "AlarmName");
      if (n && n->is_string()) d.composite.push_back(n->get<std::string>());
    }
  }
  return d;
}

// --- the group

struct Group {
  std::string path;
  int min = 0, max = 0;
  std::optional<int> default_warmup;
  std::optional<int> default_cooldown;
};

Group read_group(const Ctx& c, const Item& g, const ServiceParams& s) {
  check_keys(c, g.j, g.path, kGroupFields);
  Group out;
  out.path = g.path;
  const int cap = s.max_machines();
  out.max = static_cast<int>(integer(c, required(c, g.j, g.path, "MaxSize"), at(g.path, "MaxSize"), 1, 1LL << 31));
  if (out.max > cap)
    c.fail(at(g.path, "MaxSize"), fmt::format("{} exceeds this scenario's fleet cap of {} machines", out.max, cap));
  out.min = static_cast<int>(integer(c, required(c, g.j, g.path, "MinSize"), at(g.path, "MinSize"), 0, 1LL << 31));
  if (out.min > out.max) c.fail(at(g.path, "MinSize"), fmt::format("{} exceeds MaxSize {}", out.min, out.max));
  if (const Json* v = field(g.j, "DefaultCooldown")) {
    out.default_cooldown = static_cast<int>(integer(c, *v, at(g.path, "DefaultCooldown"), 0, 86400));
  }
  if (const Json* v = field(g.j, "DefaultInstanceWarmup")) {
    out.default_warmup = static_cast<int>(integer(c, *v, at(g.path, "DefaultInstanceWarmup"), 0, 86400));
  }
  if (field(g.j, "WarmPoolConfiguration")) {
    c.fail(at(g.path, "WarmPoolConfiguration"),
           "a warm pool: its instances serve sooner after a scale-out than launched ones, and this simulator's machines "
           "all take the scenario's warmup_latency");
  }
  if (const Json* sp = field(g.j, "SuspendedProcesses")) {
    const std::string p = at(g.path, "SuspendedProcesses");
    for (std::size_t i = 0; i < list(c, *sp, p).size(); ++i) {
      const Json* n = field((*sp)[i], "ProcessName");
      const std::string name = n && n->is_string() ? n->get<std::string>() : "";
      if (name == "Launch" || name == "Terminate" || name == "AlarmNotification") {
        c.fail(at(at(p, i), "ProcessName"), fmt::format("{} is suspended: the group's policies {} while it is", name,
                                                        name == "Launch"      ? "cannot scale out"
                                                        : name == "Terminate" ? "cannot scale in"
                                                                              : "do not run"));
      }
    }
  }
  if (const Json* v = field(g.j, "NewInstancesProtectedFromScaleIn");
      v && boolean(c, *v, at(g.path, "NewInstancesProtectedFromScaleIn"))) {
    c.fail(at(g.path, "NewInstancesProtectedFromScaleIn"),
           "scale-in cannot terminate the instances scale-out launches; this simulator's policies remove any machine");
  }
  if (const Json* v = field(g.j, "DesiredCapacityType")) {
    const std::string t = text(c, *v, at(g.path, "DesiredCapacityType"));
    if (t != "units") {
      c.fail(at(g.path, "DesiredCapacityType"), fmt::format("'{}': this simulator counts capacity in machines (units)", t));
    }
  }
  if (const Json* m = field(g.j, "MixedInstancesPolicy")) {
    const Json* lt = field(*m, "LaunchTemplate");
    const Json* ov = lt ? field(*lt, "Overrides") : nullptr;
    const std::string p = at(at(at(g.path, "MixedInstancesPolicy"), "LaunchTemplate"), "Overrides");
    for (std::size_t i = 0; ov && ov->is_array() && i < ov->size(); ++i) {
      const Json* w = field((*ov)[i], "WeightedCapacity");
      if (w && !(w->is_string() && w->get<std::string>() == "1")) {
        c.fail(at(at(p, i), "WeightedCapacity"),
               fmt::format("{}: instance weights make machines count for different capacities; this simulator's machines "
                           "are alike",
                           w->dump()));
      }
    }
  }
  return out;
}

// The warm-up a target tracking, step or predictive policy uses: its EstimatedInstanceWarmup,
// else the group's DefaultInstanceWarmup, else the group's DefaultCooldown (300 s when absent).
// The simulator leaves a machine out of the metric exactly while it warms up (warmup_latency).
void check_warmup(const Ctx& c, const Item& p, const Group& g, const ServiceParams& s) {
  int v = 0;
  std::string where, via;
  if (const Json* w = field(p.j, "EstimatedInstanceWarmup")) {
    where = at(p.path, "EstimatedInstanceWarmup");
    v = static_cast<int>(integer(c, *w, where, 0, 86400));
  } else if (g.default_warmup) {
    where = at(g.path, "DefaultInstanceWarmup");
    v = *g.default_warmup;
    via = fmt::format(" (the warm-up of {}, which sets no EstimatedInstanceWarmup)", p.path);
  } else {
    where = at(g.path, "DefaultCooldown");
    v = g.default_cooldown.value_or(300);
    via = fmt::format(
        " (the warm-up of {}: neither it nor the group sets a warm-up, so AWS uses the group's DefaultCooldown{})", p.path,
        g.default_cooldown ? "" : ", absent: 300 s");
  }
  const int want = s.warmup_latency * 60;
  if (v != want) {
    c.fail(where, fmt::format("a warm-up of {} s{}, but this scenario's machines serve {} s after they are launched (its "
                              "[service] warmup_latency = {} minutes), and the simulator leaves a machine out of the metric "
                              "exactly while it warms up: set the policy's EstimatedInstanceWarmup to {}, or the scenario's "
                              "warmup_latency to the group's launch time",
                              v, via, want, s.warmup_latency, want));
  }
}

// --- alarms

struct AlarmInfo {
  int index = -1;  // into Doc::alarms
  std::string name;
  bool above = true;     // Greater*Threshold: a scale-out alarm
  double threshold = 0;  // a utilization
  int points = 1;
  MetricRef metric;
};

AlarmInfo read_alarm(const Ctx& c, const Doc& d, int index, const ServiceParams& s) {
  const Item& a = d.alarms[static_cast<std::size_t>(index)];
  const std::string& p = a.path;
  check_keys(c, a.j, p, kAlarmFields);
  AlarmInfo out;
  out.index = index;
  out.name = a.j.at("AlarmName").get<std::string>();
  if (field(a.j, "Metrics")) c.fail(at(p, "Metrics"), "metric math: this simulator's alarms read its one utilization");
  if (field(a.j, "ThresholdMetricId")) c.fail(at(p, "ThresholdMetricId"), "an anomaly detection band; refused");
  if (field(a.j, "ExtendedStatistic")) {
    c.fail(at(p, "ExtendedStatistic"), "a percentile over the instances; this simulator's metric is their average");
  }
  if (const Json* e = field(a.j, "ActionsEnabled"); e && !boolean(c, *e, at(p, "ActionsEnabled"))) {
    c.fail(at(p, "ActionsEnabled"), "false: the alarm invokes no policy");
  }
  const std::string op = text(c, required(c, a.j, p, "ComparisonOperator"), at(p, "ComparisonOperator"));
  if (op == "GreaterThanThreshold" || op == "GreaterThanOrEqualToThreshold") {
    out.above = true;
  } else if (op == "LessThanThreshold" || op == "LessThanOrEqualToThreshold") {
    out.above = false;
  } else {
    c.fail(at(p, "ComparisonOperator"), fmt::format("'{}': only a threshold above or below which the alarm fires", op));
  }
  out.metric = classify_metric(c, a.j, p, d.group_name, "Statistic");
  const long long period = integer(c, required(c, a.j, p, "Period"), at(p, "Period"), 1, 86400);
  if (period != 60) {
    c.fail(at(p, "Period"), fmt::format("{} s: this simulator's metric is one datapoint a minute (EC2 detailed "
                                        "monitoring, Period 60)",
                                        period));
  }
  out.points = static_cast<int>(
      integer(c, required(c, a.j, p, "EvaluationPeriods"), at(p, "EvaluationPeriods"), 1, out.above ? 60 : 1440));
  if (const Json* dp = field(a.j, "DatapointsToAlarm")) {
    const long long n = integer(c, *dp, at(p, "DatapointsToAlarm"), 1, 1440);
    if (n != out.points) {
      c.fail(at(p, "DatapointsToAlarm"),
             fmt::format("{} of {} datapoints: this simulator's alarms fire after N breaching datapoints in a row (N of N)",
                         n, out.points));
    }
  }
  out.threshold = from_aws(number(c, required(c, a.j, p, "Threshold"), at(p, "Threshold")), unit(out.metric.kind, s));
  return out;
}

// The alarms that invoke policy `i`: those its Alarms name (describe-policies), or those whose
// AlarmActions hold its ARN (export's document, where put-scaling-policy has not made one yet).
std::vector<int> policy_alarms(const Ctx& c, const Doc& d, std::size_t i) {
  const Item& p = d.policies[i];
  const std::string name = text(c, required(c, p.j, p.path, "PolicyName"), at(p.path, "PolicyName"));
  std::vector<int> found;
  if (!d.put_form) {
    const Json* as = field(p.j, "Alarms");
    for (std::size_t k = 0; as && k < list(c, *as, at(p.path, "Alarms")).size(); ++k) {
      const std::string ap = at(at(p.path, "Alarms"), k);
      check_keys(c, (*as)[k], ap, {"AlarmName", "AlarmARN"});
      const std::string an = text(c, required(c, (*as)[k], ap, "AlarmName"), at(ap, "AlarmName"));
      if (std::find(d.composite.begin(), d.composite.end(), an) != d.composite.end()) {
        c.fail(at(ap, "AlarmName"), fmt::format("'{}' is a composite alarm: a rule over other alarms; refused", an));
      }
      int idx = -1;
      for (std::size_t a = 0; a < d.alarms.size(); ++a) {
        if (d.alarms[a].j.at("AlarmName") == an) idx = static_cast<int>(a);
      }
      if (idx < 0) {
        c.fail(at(ap, "AlarmName"), fmt::format("alarm '{}' is not in MetricAlarms: add the output of aws cloudwatch "
                                                "describe-alarms --alarm-names '{}'",
                                                an, an));
      }
      found.push_back(idx);
    }
  } else {
    const std::string suffix = fmt::format(":autoScalingGroupName/{}:policyName/{}", d.group_name, name);
    for (std::size_t a = 0; a < d.alarms.size(); ++a) {
      const Json* acts = field(d.alarms[a].j, "AlarmActions");
      for (std::size_t k = 0; acts && acts->is_array() && k < acts->size(); ++k) {
        const Json& arn = (*acts)[k];
        if (arn.is_string() && arn.get<std::string>().ends_with(suffix)) {
          found.push_back(static_cast<int>(a));
          break;
        }
      }
    }
  }
  return found;
}

// --- policies

struct Adjust {
  bool percent = false;
  std::optional<int> min_magnitude;
};

Adjust read_adjustment_type(const Ctx& c, const Item& p) {
  Adjust a;
  const std::string t = text(c, required(c, p.j, p.path, "AdjustmentType"), at(p.path, "AdjustmentType"));
  if (t == "PercentChangeInCapacity") {
    a.percent = true;
  } else if (t == "ExactCapacity") {
    c.fail(at(p.path, "AdjustmentType"),
           "ExactCapacity sets the capacity to a number; this simulator's step and simple policies change it");
  } else if (t != "ChangeInCapacity") {
    c.fail(at(p.path, "AdjustmentType"), fmt::format("must be ChangeInCapacity or PercentChangeInCapacity, got '{}'", t));
  }
  // MinAdjustmentStep is the older name of MinAdjustmentMagnitude; both apply to percentages only.
  for (const char* k : {"MinAdjustmentMagnitude", "MinAdjustmentStep"}) {
    if (const Json* m = field(p.j, k); m && a.percent) {
      a.min_magnitude = static_cast<int>(integer(c, *m, at(p.path, k), 0, 1000));
      break;
    }
  }
  return a;
}

// A step policy's StepAdjustments as a table of this simulator's `step` policy: rows by the size
// of the breach past the alarm's threshold (as a utilization), each adding (removing) machines.
// Breaches outside every step (before the first, after a last bounded one) are rows that change
// nothing, as AWS does nothing there; a step on the alarm's other side is never reached.
std::string step_table(const Ctx& c, const Item& p, const AlarmInfo& alarm, const Adjust& adj, const ServiceParams& s) {
  const std::string sp = at(p.path, "StepAdjustments");
  const Json& steps = list(c, required(c, p.j, p.path, "StepAdjustments"), sp);
  if (steps.empty()) c.fail(sp, "expected at least one step");
  struct Interval {
    double lo, hi;
    long long machines;
    std::string path;
  };
  std::vector<Interval> iv;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const std::string kp = at(sp, k);
    check_keys(c, steps[k], kp, {"MetricIntervalLowerBound", "MetricIntervalUpperBound", "ScalingAdjustment"});
    const Json* l = field(steps[k], "MetricIntervalLowerBound");
    const Json* u = field(steps[k], "MetricIntervalUpperBound");
    const double lower = l ? number(c, *l, at(kp, "MetricIntervalLowerBound")) : -kInf;
    const double upper = u ? number(c, *u, at(kp, "MetricIntervalUpperBound")) : kInf;
    if (!(lower < upper)) c.fail(kp, fmt::format("the lower bound {} is not below the upper bound {}", lower, upper));
    const long long a =
        integer(c, required(c, steps[k], kp, "ScalingAdjustment"), at(kp, "ScalingAdjustment"), -1000000, 1000000);
    if (alarm.above ? a < 0 : a > 0) {
      c.fail(
          at(kp, "ScalingAdjustment"),
          fmt::format("{}, but the policy's alarm {} fires {} its threshold: a scale-{} policy {} machines", a, alarm.name,
                      alarm.above ? "above" : "below", alarm.above ? "out" : "in", alarm.above ? "adds" : "removes"));
    }
    // The breach past the threshold: above it the step holds [lower, upper) of metric - threshold
    // (AWS: lower bound inclusive), below it (lower, upper], which is [-upper, -lower) of
    // threshold - metric.
    Interval v{alarm.above ? lower : -upper, alarm.above ? upper : -lower, a < 0 ? -a : a,
               at(kp, alarm.above ? "MetricIntervalLowerBound" : "MetricIntervalUpperBound")};
    if (!(v.lo > 0)) v.lo = 0;  // (and never -0)
    if (v.hi > v.lo) iv.push_back(v);
  }
  std::sort(iv.begin(), iv.end(), [](const Interval& x, const Interval& y) { return x.lo < y.lo; });
  const double per = unit(alarm.metric.kind, s);
  const char* suffix = adj.percent ? "pct" : "";
  std::string table;
  double pos = 0;
  const auto row = [&](double lo, long long machines) {
    table += fmt::format("{}{}>{}{}", table.empty() ? "" : "|", from_aws(lo, per), machines, suffix);
  };
  for (const auto& v : iv) {
    if (v.lo < pos) c.fail(v.path, "the step overlaps the one before it (AWS refuses overlapping steps too)");
    if (v.lo > pos) row(pos, 0);
    row(v.lo, v.machines);
    pos = v.hi;
  }
  if (pos < kInf) row(pos, 0);
  return table;
}

struct Model {
  std::string type, spec, group;
  int min = 0, max = 0;
  int tt = -1, predictive = -1, out = -1, in = -1;  // into Doc::policies
  int out_alarm = -1, in_alarm = -1;                // into Doc::alarms
  MetricRef metric;                                 // of the target tracking policy or the scale-out alarm
  MetricRef in_metric;                              // of the scale-in alarm
  std::string tt_spec;                              // the target tracking policy's own (beside predictive)
};

// The fields a policy of type `t` has (nullptr for an unknown type).
std::optional<std::vector<std::string>> policy_fields(const std::string& t) {
  std::vector<std::string> known = kPolicyCommon;
  const std::vector<std::string>* extra = nullptr;
  if (t == "TargetTrackingScaling") extra = &kPolicyTargetTracking;
  if (t == "StepScaling") extra = &kPolicyStep;
  if (t == "SimpleScaling") extra = &kPolicySimple;
  if (t == "PredictiveScaling") extra = &kPolicyPredictive;
  if (!extra) return std::nullopt;
  known.insert(known.end(), extra->begin(), extra->end());
  return known;
}

// An empty list describe-policies writes for another type's field (a target tracking policy's
// "StepAdjustments": []) says nothing.
bool empty_value(const Json& v) { return v.is_null() || (v.is_array() && v.empty()); }

std::string type_of(const Ctx& c, const Item& p) {
  const std::string t = text(c, required(c, p.j, p.path, "PolicyType"), at(p.path, "PolicyType"));
  const auto known = policy_fields(t);
  if (!known) {
    c.fail(at(p.path, "PolicyType"),
           fmt::format("must be TargetTrackingScaling, StepScaling, SimpleScaling or PredictiveScaling, got '{}'", t));
  }
  for (const auto& item : p.j.items()) {
    if (std::find(known->begin(), known->end(), item.key()) != known->end()) continue;
    const bool other_type = [&] {
      for (const char* other : {"TargetTrackingScaling", "StepScaling", "SimpleScaling", "PredictiveScaling"}) {
        const auto f = policy_fields(other);
        if (std::find(f->begin(), f->end(), item.key()) != f->end()) return true;
      }
      return false;
    }();
    if (other_type && empty_value(item.value())) continue;
    c.fail(at(p.path, item.key()), other_type ? fmt::format("not a field of a {} policy", t)
                                              : fmt::format("unknown field (known here: {})", join(*known)));
  }
  text(c, required(c, p.j, p.path, "PolicyName"), at(p.path, "PolicyName"));
  return t;
}

struct TargetTracking {
  double target = 0;
  MetricRef metric;
};

TargetTracking read_target_tracking(const Ctx& c, const Item& p, const std::string& group, const ServiceParams& s) {
  const std::string cp = at(p.path, "TargetTrackingConfiguration");
  const Json& cfg = required(c, p.j, p.path, "TargetTrackingConfiguration");
  check_keys(c, cfg, cp,
             {"PredefinedMetricSpecification", "CustomizedMetricSpecification", "TargetValue", "DisableScaleIn"});
  if (const Json* d = field(cfg, "DisableScaleIn"); d && boolean(c, *d, at(cp, "DisableScaleIn"))) {
    c.fail(at(cp, "DisableScaleIn"), "true: this simulator's target-tracking always scales in");
  }
  TargetTracking out;
  const Json* pre = field(cfg, "PredefinedMetricSpecification");
  const Json* cus = field(cfg, "CustomizedMetricSpecification");
  if (pre && cus) c.fail(at(cp, "CustomizedMetricSpecification"), "beside PredefinedMetricSpecification: one metric");
  if (pre) {
    const std::string mp = at(cp, "PredefinedMetricSpecification");
    check_keys(c, *pre, mp, {"PredefinedMetricType", "ResourceLabel"});
    const std::string t = text(c, required(c, *pre, mp, "PredefinedMetricType"), at(mp, "PredefinedMetricType"));
    if (t == "ASGAverageCPUUtilization") {
      out.metric = {MetricKind::kCpu, ""};
    } else if (t == "ALBRequestCountPerTarget") {
      out.metric = {MetricKind::kRequests, text(c, required(c, *pre, mp, "ResourceLabel"), at(mp, "ResourceLabel"))};
    } else {
      c.fail(at(mp, "PredefinedMetricType"),
             fmt::format("{}: only ASGAverageCPUUtilization and ALBRequestCountPerTarget, the CPU and the request rate this "
                         "simulator's utilization stands for (network bytes are neither)",
                         t));
    }
  } else if (cus) {
    const std::string mp = at(cp, "CustomizedMetricSpecification");
    check_keys(c, *cus, mp, {"MetricName", "Namespace", "Dimensions", "Statistic", "Unit", "Metrics"});
    if (field(*cus, "Metrics")) c.fail(at(mp, "Metrics"), "metric math: this simulator tracks its one utilization");
    out.metric = classify_metric(c, *cus, mp, group, "Statistic");
  } else {
    c.fail(at(cp, "PredefinedMetricSpecification"), "required (or CustomizedMetricSpecification)");
  }
  const std::string tp = at(cp, "TargetValue");
  out.target = from_aws(number(c, required(c, cfg, cp, "TargetValue"), tp), unit(out.metric.kind, s));
  if (!(out.target >= 0.01 && out.target <= 10)) {
    c.fail(tp,
           fmt::format("is a utilization of {:.4g} of a machine's capacity; target tracking takes 0.01 to 10", out.target));
  }
  return out;
}

// The target-tracking keys AWS's own alarms and scale-in stand for (this simulator's model of
// them: TargetTrackingConfig's defaults).
std::string aws_tracking_keys() {
  const TargetTrackingConfig d;
  return fmt::format("out_points={},in_points={},in_ratio={},in_step={},in_cooldown={}", d.out_points, d.in_points,
                     d.in_ratio, d.in_step, d.in_cooldown_s);
}

std::string read_predictive(const Ctx& c, const Item& p, const ServiceParams& s) {
  const std::string cp = at(p.path, "PredictiveScalingConfiguration");
  const Json& cfg = required(c, p.j, p.path, "PredictiveScalingConfiguration");
  check_keys(c, cfg, cp,
             {"MetricSpecifications", "Mode", "SchedulingBufferTime", "MaxCapacityBreachBehavior", "MaxCapacityBuffer"});
  if (const Json* b = field(cfg, "MaxCapacityBreachBehavior")) {
    const std::string v = text(c, *b, at(cp, "MaxCapacityBreachBehavior"));
    if (v != "HonorMaxCapacity") {
      c.fail(at(cp, "MaxCapacityBreachBehavior"),
             fmt::format("'{}': this simulator's forecast capacity never exceeds the group's MaxSize", v));
    }
  }
  const std::string msp = at(cp, "MetricSpecifications");
  const Json& specs = list(c, required(c, cfg, cp, "MetricSpecifications"), msp);
  if (specs.empty()) c.fail(msp, "expected one metric specification");
  if (specs.size() > 1) c.fail(at(msp, 1), "a second metric specification: this simulator forecasts one load");
  const std::string mp = at(msp, 0);
  const Json& m = specs[0];
  check_keys(c, m, mp,
             {"TargetValue", "PredefinedMetricPairSpecification", "PredefinedScalingMetricSpecification",
              "PredefinedLoadMetricSpecification", "CustomizedScalingMetricSpecification",
              "CustomizedLoadMetricSpecification", "CustomizedCapacityMetricSpecification"});
  for (const char* k : {"CustomizedScalingMetricSpecification", "CustomizedLoadMetricSpecification",
                        "CustomizedCapacityMetricSpecification"}) {
    if (field(m, k)) c.fail(at(mp, k), "a customized metric query; only the predefined CPU and request-count metrics");
  }
  const auto predefined = [&](const char* key) -> std::string {
    const Json* v = field(m, key);
    if (!v) return "";
    check_keys(c, *v, at(mp, key), {"PredefinedMetricType", "ResourceLabel"});
    return text(c, required(c, *v, at(mp, key), "PredefinedMetricType"), at(at(mp, key), "PredefinedMetricType"));
  };
  MetricKind kind = MetricKind::kCpu;
  const std::string pair = predefined("PredefinedMetricPairSpecification");
  const std::string scaling = predefined("PredefinedScalingMetricSpecification");
  const std::string load = predefined("PredefinedLoadMetricSpecification");
  if (!pair.empty()) {
    if (pair == "ALBRequestCount") {
      kind = MetricKind::kRequests;
    } else if (pair != "ASGCPUUtilization") {
      c.fail(at(at(mp, "PredefinedMetricPairSpecification"), "PredefinedMetricType"),
             fmt::format("{}: only ASGCPUUtilization and ALBRequestCount (network bytes are not the request rate)", pair));
    }
  } else if (scaling == "ASGAverageCPUUtilization" && load == "ASGTotalCPUUtilization") {
    kind = MetricKind::kCpu;
  } else if (scaling == "ALBRequestCountPerTarget" && load == "ALBTargetGroupRequestCount") {
    kind = MetricKind::kRequests;
  } else {
    c.fail(at(mp, "PredefinedScalingMetricSpecification"),
           "only the CPU pair (ASGAverageCPUUtilization with ASGTotalCPUUtilization) or the request-count pair "
           "(ALBRequestCountPerTarget with ALBTargetGroupRequestCount), or a PredefinedMetricPairSpecification");
  }
  // AWS's forecast capacity is the forecast load at TargetValue a machine: forecast / (TargetValue
  // / unit x tpm_per_machine), the simulator's floor (forecast x safety + reserve) / tpm_per_machine.
  const double target = number(c, required(c, m, mp, "TargetValue"), at(mp, "TargetValue"));
  const double safety = decimal(unit(kind, s) / target, 15);
  if (!(target > 0) || safety > 100) {
    c.fail(at(mp, "TargetValue"),
           fmt::format("{}: a capacity forecast needs a target above {}", target, unit(kind, s) / 100));
  }
  // SchedulingBufferTime launches instances ahead of the forecast; the simulator orders a machine
  // its warm-up ahead of the load it serves, and `buffer` minutes more.
  const std::string bp = at(cp, "SchedulingBufferTime");
  const long long buffer_s = field(cfg, "SchedulingBufferTime") ? integer(c, cfg["SchedulingBufferTime"], bp, 0, 3600) : 300;
  const long long warmup_s = 60LL * s.warmup_latency;
  if (buffer_s % 60 != 0 || buffer_s < warmup_s) {
    c.fail(bp, fmt::format("{} s{}: the simulator orders capacity whole minutes ahead, from its warm-up ({} s, the "
                           "scenario's warmup_latency) on",
                           buffer_s, field(cfg, "SchedulingBufferTime") ? "" : " (absent: 300 s)", warmup_s));
  }
  return fmt::format("safety={},reserve=0,buffer={},seasons=3,smooth=5", safety, (buffer_s - warmup_s) / 60);
}

bool enabled(const Ctx& c, const Item& p) {
  const Json* e = field(p.j, "Enabled");
  return !e || boolean(c, *e, at(p.path, "Enabled"));
}

// Whether a predictive policy scales (AWS's default Mode is ForecastOnly, which only forecasts).
bool forecast_and_scale(const Ctx& c, const Item& p) {
  const Json* cfg = field(p.j, "PredictiveScalingConfiguration");
  const Json* mode = cfg ? field(*cfg, "Mode") : nullptr;
  if (!mode) return false;
  const std::string path = at(at(p.path, "PredictiveScalingConfiguration"), "Mode");
  const std::string m = text(c, *mode, path);
  if (m != "ForecastAndScale" && m != "ForecastOnly")
    c.fail(path, fmt::format("must be ForecastAndScale or ForecastOnly, got '{}'", m));
  return m == "ForecastAndScale";
}

Model build(const Ctx& c, const Doc& d, const ServiceParams& s) {
  const Group g = read_group(c, d.group, s);
  Model m;
  m.group = d.group_name;
  m.min = g.min;
  m.max = g.max;
  std::vector<std::size_t> tt, step, simple, predictive;
  for (std::size_t i = 0; i < d.policies.size(); ++i) {
    const Item& p = d.policies[i];
    const std::string t = type_of(c, p);
    // A disabled policy, or a predictive one that only forecasts, does not scale: it is read as absent.
    if (!enabled(c, p)) continue;
    if (t == "TargetTrackingScaling") tt.push_back(i);
    if (t == "StepScaling") step.push_back(i);
    if (t == "SimpleScaling") simple.push_back(i);
    if (t == "PredictiveScaling" && forecast_and_scale(c, p)) predictive.push_back(i);
  }
  const auto path = [&](std::size_t i) { return d.policies[i].path; };
  if (!tt.empty() && (!step.empty() || !simple.empty())) {
    const std::size_t other = !step.empty() ? step[0] : simple[0];
    c.fail(path(other), fmt::format("a {} policy beside the target tracking policy {}: AWS runs both, and each of this "
                                    "simulator's policies is one kind",
                                    !step.empty() ? "step scaling" : "simple scaling", path(tt[0])));
  }
  if (!step.empty() && !simple.empty()) {
    c.fail(path(simple[0]),
           fmt::format("a simple scaling policy beside the step scaling policy {}: each of this simulator's "
                       "policies is one kind",
                       path(step[0])));
  }
  if (tt.size() > 1) {
    c.fail(path(tt[1]),
           "a second target tracking policy: AWS scales out if any asks and in only if all do; this "
           "simulator's target-tracking tracks one metric");
  }
  if (predictive.size() > 1)
    c.fail(path(predictive[1]), "a second predictive scaling policy; this simulator forecasts one load");
  if (!predictive.empty() && tt.empty()) {
    c.fail(path(predictive[0]),
           "predictive scaling without a target tracking policy: this simulator's predictive policy "
           "tracks a target on top of its forecast (AWS's forecast alone never scales in); add the "
           "group's target tracking policy");
  }
  const std::string limits = fmt::format("min={},max={}", g.min, g.max);
  if (!tt.empty()) {
    const Item& p = d.policies[tt[0]];
    check_warmup(c, p, g, s);
    const TargetTracking t = read_target_tracking(c, p, d.group_name, s);
    m.tt = static_cast<int>(tt[0]);
    m.metric = t.metric;
    const std::string tracking = fmt::format("target={},{},{}", t.target, aws_tracking_keys(), limits);
    m.tt_spec = "target-tracking:" + tracking;
    if (predictive.empty()) {
      m.type = "target-tracking";
      m.spec = m.tt_spec;
    } else {
      const Item& pp = d.policies[predictive[0]];
      m.predictive = static_cast<int>(predictive[0]);
      m.type = "predictive";
      m.spec = fmt::format("predictive:{},{}", read_predictive(c, pp, s), tracking);
    }
  } else if (!step.empty() || !simple.empty()) {
    const bool is_step = !step.empty();
    const std::vector<std::size_t>& ps = is_step ? step : simple;
    std::optional<AlarmInfo> high, low;
    std::optional<Adjust> out_adj, in_adj;
    std::string out_rule, in_rule;  // the tables (step) or adjustments (simple)
    std::optional<int> cooldown;
    std::string cooldown_path;
    for (const std::size_t i : ps) {
      const Item& p = d.policies[i];
      const std::vector<int> alarms = policy_alarms(c, d, i);
      if (alarms.empty()) continue;  // no alarm invokes it: it never scales
      if (alarms.size() > 1) {
        c.fail(d.put_form ? p.path : at(at(p.path, "Alarms"), 1),
               "a second alarm invokes the policy; this simulator's policies have one alarm a direction");
      }
      const AlarmInfo a = read_alarm(c, d, alarms[0], s);
      if (a.above ? high.has_value() : low.has_value()) {
        c.fail(p.path,
               fmt::format("a second scale-{} policy (its alarm {} fires {} its threshold); this simulator's {} "
                           "policy has one each way",
                           a.above ? "out" : "in", a.name, a.above ? "above" : "below", is_step ? "step" : "simple"));
      }
      const Adjust adj = read_adjustment_type(c, p);
      std::string rule;
      if (is_step) {
        check_warmup(c, p, g, s);
        if (const Json* agg = field(p.j, "MetricAggregationType")) {
          const std::string v = text(c, *agg, at(p.path, "MetricAggregationType"));
          if (v != "Average")
            c.fail(at(p.path, "MetricAggregationType"), fmt::format("'{}': this simulator's metric is the average", v));
        }
        rule = step_table(c, p, a, adj, s);
      } else {
        const std::string ap = at(p.path, "ScalingAdjustment");
        const long long v = integer(c, required(c, p.j, p.path, "ScalingAdjustment"), ap, -1000000, 1000000);
        if (a.above ? v < 0 : v > 0) {
          c.fail(ap, fmt::format("{}, but the policy's alarm {} fires {} its threshold", v, a.name,
                                 a.above ? "above" : "below"));
        }
        rule = fmt::format("{}{}", v < 0 ? -v : v, adj.percent ? "pct" : "");
        // The policy's Cooldown, else the group's DefaultCooldown (300 s when absent); one for both.
        const Json* cd = field(p.j, "Cooldown");
        const int value =
            cd ? static_cast<int>(integer(c, *cd, at(p.path, "Cooldown"), 0, 86400)) : g.default_cooldown.value_or(300);
        if (cooldown && *cooldown != value) {
          c.fail(cd ? at(p.path, "Cooldown") : at(g.path, "DefaultCooldown"),
                 fmt::format("a cooldown of {} s, but {} waits {} s: this simulator's simple policy has one cooldown", value,
                             cooldown_path, *cooldown));
        }
        cooldown = value;
        cooldown_path = p.path;
      }
      if (a.above) {
        high = a, out_adj = adj, out_rule = rule, m.out = static_cast<int>(i);
      } else {
        low = a, in_adj = adj, in_rule = rule, m.in = static_cast<int>(i);
      }
    }
    const std::string kind = is_step ? "step scaling" : "simple scaling";
    if (!high) {
      c.fail(d.policies_key, fmt::format("no scale-out {} policy (one whose alarm fires above its threshold): this "
                                         "simulator's {} policy scales out on an alarm",
                                         kind, is_step ? "step" : "simple"));
    }
    m.out_alarm = high->index;
    m.metric = high->metric;
    const std::string hp = at(d.alarms[static_cast<std::size_t>(high->index)].path, "Threshold");
    if (!(high->threshold >= 0.01 && high->threshold <= 10)) {
      c.fail(hp, fmt::format("is a utilization of {:.4g}; the alarm takes 0.01 to 10", high->threshold));
    }
    // No scale-in policy: a low alarm that never fires (no utilization is below 0) and removes nothing.
    double low_threshold = 0;
    int in_points = 1;
    if (low) {
      m.in_alarm = low->index;
      m.in_metric = low->metric;
      low_threshold = low->threshold;
      in_points = low->points;
      const std::string lp = at(d.alarms[static_cast<std::size_t>(low->index)].path, "Threshold");
      if (!(low_threshold >= 0 && low_threshold < high->threshold)) {
        c.fail(lp, fmt::format("is a utilization of {:.4g}, which must be at least 0 and below the scale-out alarm's {:.4g}",
                               low_threshold, high->threshold));
      }
    } else {
      in_rule = is_step ? "0>0" : "0";
    }
    // MinAdjustmentMagnitude applies to percentages: the percentage policies' (one for both),
    // 0 when they set none; the simulator's default, 1, when no policy is a percentage.
    std::optional<int> min_step;
    for (const auto& [adj, pi] : {std::pair{out_adj, m.out}, std::pair{in_adj, m.in}}) {
      if (!adj || !adj->percent) continue;
      const int v = adj->min_magnitude.value_or(0);
      if (min_step && *min_step != v) {
        c.fail(at(d.policies[static_cast<std::size_t>(pi)].path, "MinAdjustmentMagnitude"),
               fmt::format("{}, but the other policy's is {}: this simulator's {} policy has one", v, *min_step,
                           is_step ? "step" : "simple"));
      }
      min_step = v;
    }
    const std::string common = fmt::format("high={},low={},out_points={},in_points={},min_step={}", high->threshold,
                                           low_threshold, high->points, in_points, min_step.value_or(1));
    if (is_step) {
      m.type = "step";
      m.spec = fmt::format("step:{},out={},in={},{}", common, out_rule, in_rule, limits);
    } else {
      m.type = "simple";
      m.spec =
          fmt::format("simple:{},out={},in={},cooldown={},{}", common, out_rule, in_rule, cooldown.value_or(300), limits);
    }
  } else {
    c.fail(d.policies_key,
           "no policy scales the group: disabled policies, ForecastOnly predictive ones and step or simple "
           "ones that no alarm invokes do not");
  }
  // The spec must build this simulator's policy (a safety net: the checks above name the fields).
  try {
    make_classical_policy(parse_policy_spec(m.spec), s);
  } catch (const Error& e) {
    c.fail("(document)", e.what());
  }
  return m;
}

struct Loaded {
  Doc doc;
  Model model;
};

Loaded load(const std::string& text, const std::string& file, const ServiceParams& s) {
  const Ctx c{file};
  Loaded l;
  l.doc = read_doc(c, parse_json(text, file));
  l.model = build(c, l.doc, s);
  return l;
}

// --- export

Json without(const Json& j, const std::vector<std::string>& drop) {
  Json out = Json::object();
  for (const auto& item : j.items()) {
    if (std::find(drop.begin(), drop.end(), item.key()) == drop.end()) out[item.key()] = item.value();
  }
  return out;
}

// The ARN an alarm's actions name before put-scaling-policy has made the policy (the apply
// commands replace it with the real one); import links the alarm to the policy by its tail.
std::string placeholder_arn(const std::string& group, const std::string& policy) {
  return fmt::format("arn:aws:autoscaling:REGION:ACCOUNT:scalingPolicy:POLICY-ID:autoScalingGroupName/{}:policyName/{}",
                     group, policy);
}

// The metric fields of a fresh alarm (or a fresh target tracking policy's metric) on `m`.
void set_alarm_metric(Json& a, const MetricRef& m, const std::string& group, const std::string& spec_text) {
  Json dims = Json::array();
  if (m.kind == MetricKind::kCpu) {
    a["MetricName"] = "CPUUtilization";
    a["Namespace"] = "AWS/EC2";
    a["Statistic"] = "Average";
    dims.push_back({{"Name", "AutoScalingGroupName"}, {"Value", group}});
  } else {
    const auto cut = m.label.find("/targetgroup/");
    if (cut == std::string::npos) {
      throw Error(
          fmt::format("policy '{}': the original's request-count metric names no load balancer and target group "
                      "(app/LB/ID/targetgroup/TG/ID) for a new alarm",
                      spec_text));
    }
    a["MetricName"] = "RequestCountPerTarget";
    a["Namespace"] = "AWS/ApplicationELB";
    a["Statistic"] = "Sum";
    dims.push_back({{"Name", "TargetGroup"}, {"Value", m.label.substr(cut + 1)}});
    dims.push_back({{"Name", "LoadBalancer"}, {"Value", m.label.substr(0, cut)}});
  }
  a["Dimensions"] = dims;
}

// Whether every row of a table is a percentage (rows that change nothing count as either).
bool percent_table(const std::vector<StepRow>& rows, const std::string& spec_text, const std::string& key) {
  std::optional<bool> pct;
  for (const auto& r : rows) {
    if (r.adjustment.value == 0) continue;
    if (pct && *pct != r.adjustment.percent) {
      throw Error(
          fmt::format("policy '{}': {} mixes machine counts and percentages; an AWS policy's AdjustmentType is one "
                      "of them",
                      spec_text, key));
    }
    pct = r.adjustment.percent;
  }
  return pct.value_or(false);
}

int whole(const Adjustment& a, const std::string& spec_text, const std::string& key) {
  if (a.value != std::floor(a.value)) {
    throw Error(fmt::format("policy '{}': {} adjustment {}%: AWS takes whole percentages", spec_text, key, a.value));
  }
  return static_cast<int>(a.value);
}

Json step_adjustments(const std::vector<StepRow>& rows, bool out, double per, const std::string& spec_text,
                      const std::string& key) {
  Json steps = Json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    Json st = Json::object();
    const double lo = to_aws(rows[i].lower, per);
    const int v = whole(rows[i].adjustment, spec_text, key);
    const bool last = i + 1 == rows.size();
    const double hi = last ? 0 : to_aws(rows[i + 1].lower, per);
    if (out) {
      st["MetricIntervalLowerBound"] = lo;
      if (!last) st["MetricIntervalUpperBound"] = hi;
      st["ScalingAdjustment"] = v;
    } else {
      if (!last) st["MetricIntervalLowerBound"] = negated(hi);
      st["MetricIntervalUpperBound"] = negated(lo);
      st["ScalingAdjustment"] = -v;
    }
    steps.push_back(st);
  }
  return steps;
}

bool all_zero(const std::vector<StepRow>& rows) {
  return std::all_of(rows.begin(), rows.end(), [](const StepRow& r) { return r.adjustment.value == 0; });
}

}  // namespace

ImportedAws import_aws(const std::string& text, const std::string& file, const ServiceParams& service) {
  const Loaded l = load(text, file, service);
  return {l.model.spec, l.model.group};
}

ImportedAws import_aws_file(const std::string& path, const ServiceParams& service) {
  return import_aws(read_text(path), path, service);
}

bool is_aws_spec(const std::string& text) { return text.size() > 6 && text[0] == '@' && text.ends_with(".json"); }

std::string export_aws(const std::string& spec_text, const AwsExportOptions& o, const ServiceParams& s) {
  const PolicySpec user = parse_policy_spec(spec_text);
  const std::string& type = user.name;
  if (type == "predictive") {
    throw Error(
        fmt::format("policy '{}': AWS predictive scaling forecasts with its own model; this simulator's forecast, "
                    "safety and reserve have no field in it, so a predictive spec is not exported",
                    user.text));
  }
  if (type != "target-tracking" && type != "step" && type != "simple") {
    throw Error(fmt::format(
        "policy '{}': only target-tracking, step and simple specs can be exported as AWS scaling policies", user.text));
  }
  std::optional<Loaded> orig;
  std::map<std::string, std::string> args = user.args;
  bool keep = false;  // the original has policies of this type: they are updated in place
  if (!o.from.empty()) {
    orig = load(read_text(o.from), o.from, s);
    const Model& m = orig->model;
    keep = m.type == type || (type == "target-tracking" && m.tt >= 0);
    if (keep) {
      for (const auto& [k, v] : parse_policy_spec(type == m.type ? m.spec : m.tt_spec).args) args.emplace(k, v);
    }
    args.emplace("min", std::to_string(m.min));
    args.emplace("max", std::to_string(m.max));
  } else if (o.group.empty()) {
    throw Error("export --format aws: the Auto Scaling group's name is needed without --from");
  }
  std::string merged = type;
  for (const auto& [k, v] : args) merged += (merged == type ? ":" : ",") + k + "=" + v;
  const PolicySpec eff = parse_policy_spec(merged);
  const std::string group = orig ? orig->model.group : o.group;
  const int warmup_s = s.warmup_latency * 60;

  Json update = Json::object();
  if (orig) {
    for (const auto& k : kGroupExported) {
      if (const Json* v = field(orig->doc.group.j, k.c_str())) update[k] = *v;
    }
  } else {
    update["AutoScalingGroupName"] = group;
  }
  Json policies = Json::array();
  Json alarms = Json::array();
  // put-scaling-policy's input: the policy's own fields (no other type's empty lists, no ARN).
  const auto original_policy = [&](int i) {
    const Json& j = orig->doc.policies[static_cast<std::size_t>(i)].j;
    Json out = Json::object();
    const auto known = *policy_fields(j.at("PolicyType").get<std::string>());
    for (const auto& item : j.items()) {
      const bool output_only =
          std::find(kPolicyOutputOnly.begin(), kPolicyOutputOnly.end(), item.key()) != kPolicyOutputOnly.end();
      if (!output_only && std::find(known.begin(), known.end(), item.key()) != known.end()) out[item.key()] = item.value();
    }
    return out;
  };
  const auto original_alarm = [&](int i) {
    return without(orig->doc.alarms[static_cast<std::size_t>(i)].j, kAlarmOutputOnly);
  };

  if (type == "target-tracking") {
    SpecReader r(eff);
    const TargetTrackingConfig tc = read_target_tracking_config(r, s.max_machines());
    r.finish();
    const TargetTrackingConfig aws;
    std::vector<std::string> off;
    if (tc.out_points != aws.out_points) off.push_back(fmt::format("out_points={}", tc.out_points));
    if (tc.in_points != aws.in_points) off.push_back(fmt::format("in_points={}", tc.in_points));
    if (tc.in_ratio != aws.in_ratio) off.push_back(fmt::format("in_ratio={}", tc.in_ratio));
    if (tc.in_step != aws.in_step) off.push_back(fmt::format("in_step={}", tc.in_step));
    if (tc.in_cooldown_s != aws.in_cooldown_s) off.push_back(fmt::format("in_cooldown={}", tc.in_cooldown_s));
    if (!off.empty()) {
      throw Error(
          fmt::format("policy '{}': {}: AWS makes a target tracking policy's alarms itself ({} datapoints above the "
                      "target to scale out, {} below {} % of it to scale in) and scales in at its own pace ({}); a "
                      "put-scaling-policy sets only the target (and the group its MinSize and MaxSize)",
                      user.text, join(off), aws.out_points, aws.in_points, aws.in_ratio * 100, aws_tracking_keys()));
    }
    Json p;
    MetricRef metric;
    if (keep) {
      p = original_policy(orig->model.tt);
      metric = orig->model.metric;
    } else {
      metric = orig ? orig->model.metric : MetricRef{};
      p = {{"AutoScalingGroupName", group},
           {"PolicyName", group + "-target-tracking"},
           {"PolicyType", "TargetTrackingScaling"},
           {"EstimatedInstanceWarmup", warmup_s}};
      Json spec = Json::object();
      if (metric.kind == MetricKind::kCpu) {
        spec["PredefinedMetricType"] = "ASGAverageCPUUtilization";
      } else {
        if (metric.label.find("/targetgroup/") == std::string::npos) {
          throw Error(
              fmt::format("policy '{}': the original's request-count metric names no load balancer and target group "
                          "(app/LB/ID/targetgroup/TG/ID) for a target tracking policy's ResourceLabel",
                          user.text));
        }
        spec["PredefinedMetricType"] = "ALBRequestCountPerTarget";
        spec["ResourceLabel"] = metric.label;
      }
      p["TargetTrackingConfiguration"]["PredefinedMetricSpecification"] = spec;
    }
    p["TargetTrackingConfiguration"]["TargetValue"] = to_aws(tc.target, unit(metric.kind, s));
    policies.push_back(p);
    update["MinSize"] = tc.min_capacity;
    update["MaxSize"] = tc.max_capacity;
  } else {
    const bool is_step = type == "step";
    SpecReader r(eff);
    StepScalingConfig sc;
    SimpleScalingConfig simple;
    AlarmScalingConfig* ac = nullptr;
    if (is_step) {
      sc = read_step_config(r, s.max_machines());
      ac = &sc;
    } else {
      simple = read_simple_config(r, s.max_machines());
      ac = &simple;
    }
    r.finish();
    const bool scales_in = ac->low > 0 && (is_step ? !all_zero(sc.in) : simple.in.value != 0);
    if (keep && orig->model.in >= 0 && !scales_in) {
      throw Error(fmt::format(
          "policy '{}': it never scales in, but the original's scale-in policy '{}' would keep doing so: "
          "delete it (aws autoscaling delete-policy) rather than export this",
          user.text, orig->doc.policies[static_cast<std::size_t>(orig->model.in)].j["PolicyName"].get<std::string>()));
    }
    for (const bool out : {true, false}) {
      if (!out && !scales_in) continue;
      const int pi = keep ? (out ? orig->model.out : orig->model.in) : -1;
      const int ai = keep ? (out ? orig->model.out_alarm : orig->model.in_alarm) : -1;
      // The alarm's metric: the original's, else (a new scale-in alarm) the scale-out alarm's.
      MetricRef metric = orig ? orig->model.metric : MetricRef{};
      if (keep && !out && ai >= 0) metric = orig->model.in_metric;
      const double per = unit(metric.kind, s);
      const std::string dir = out ? "out" : "in";
      Json p;
      if (pi >= 0) {
        p = original_policy(pi);
      } else {
        p = {{"AutoScalingGroupName", group},
             {"PolicyName", fmt::format("{}-{}-scale-{}", group, type, dir)},
             {"PolicyType", is_step ? "StepScaling" : "SimpleScaling"}};
      }
      bool percent = false;
      if (is_step) {
        const std::vector<StepRow>& rows = out ? sc.out : sc.in;
        percent = percent_table(rows, user.text, dir);
        p["AdjustmentType"] = percent ? "PercentChangeInCapacity" : "ChangeInCapacity";
        if (pi < 0) {
          p["MetricAggregationType"] = "Average";
          p["EstimatedInstanceWarmup"] = warmup_s;
        }
        p["StepAdjustments"] = step_adjustments(rows, out, per, user.text, dir);
      } else {
        const Adjustment& a = out ? simple.out : simple.in;
        percent = a.percent;
        p["AdjustmentType"] = percent ? "PercentChangeInCapacity" : "ChangeInCapacity";
        const int v = whole(a, user.text, dir);
        p["ScalingAdjustment"] = out ? v : -v;
        p["Cooldown"] = simple.cooldown_s;
      }
      p.erase("MinAdjustmentStep");
      if (percent && ac->min_step > 0) {
        p["MinAdjustmentMagnitude"] = ac->min_step;
      } else {
        p.erase("MinAdjustmentMagnitude");
      }
      const std::string policy_name = p["PolicyName"].get<std::string>();
      Json a;
      if (ai >= 0) {
        a = original_alarm(ai);
      } else {
        a = {{"AlarmName", fmt::format("{}-{}-{}", group, type, out ? "high" : "low")},
             {"AlarmDescription", fmt::format("scale-{} alarm of {}", dir, policy_name)},
             {"ActionsEnabled", true},
             {"AlarmActions", Json::array({placeholder_arn(group, policy_name)})}};
        if (keep && !out && orig->model.out_alarm >= 0) {
          // A new scale-in alarm on the scale-out alarm's metric.
          const Json& high = orig->doc.alarms[static_cast<std::size_t>(orig->model.out_alarm)].j;
          for (const char* k : {"MetricName", "Namespace", "Statistic", "Dimensions", "Unit"}) {
            if (const Json* v = field(high, k)) a[k] = *v;
          }
        } else {
          set_alarm_metric(a, metric, group, user.text);
        }
        a["Period"] = 60;
        a["ComparisonOperator"] = out ? "GreaterThanThreshold" : "LessThanThreshold";
      }
      const int points = out ? ac->out_points : ac->in_points;
      a["EvaluationPeriods"] = points;
      if (ai < 0 || a.contains("DatapointsToAlarm")) a["DatapointsToAlarm"] = points;
      a["Threshold"] = to_aws(out ? ac->high : ac->low, per);
      policies.push_back(p);
      alarms.push_back(a);
    }
    update["MinSize"] = ac->min_capacity;
    update["MaxSize"] = ac->max_capacity;
  }
  Json doc = Json::object();
  doc["UpdateAutoScalingGroup"] = update;
  doc["PutScalingPolicy"] = policies;
  if (!alarms.empty()) doc["PutMetricAlarm"] = alarms;
  return doc.dump(2) + "\n";
}

namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char ch : s) {
    if (ch == '\'') {
      out += "'\\''";
    } else {
      out += ch;
    }
  }
  return out + "'";
}

}  // namespace

std::string aws_apply_commands(const std::string& document, const std::string& file) {
  const Json d = Json::parse(document);
  const std::string f = shell_quote(file);
  std::string out =
      fmt::format("aws autoscaling update-auto-scaling-group --cli-input-json \"$(jq -c .UpdateAutoScalingGroup {})\"\n", f);
  const Json* alarms = field(d, "PutMetricAlarm");
  const std::string group = d["UpdateAutoScalingGroup"]["AutoScalingGroupName"].get<std::string>();
  for (std::size_t i = 0; i < d["PutScalingPolicy"].size(); ++i) {
    const std::string name = d["PutScalingPolicy"][i]["PolicyName"].get<std::string>();
    const std::string suffix = fmt::format(":autoScalingGroupName/{}:policyName/{}", group, name);
    std::vector<std::size_t> linked;
    for (std::size_t a = 0; alarms && a < alarms->size(); ++a) {
      for (const auto& arn : (*alarms)[a].value("AlarmActions", Json::array())) {
        if (arn.is_string() && arn.get<std::string>().ends_with(suffix)) {
          linked.push_back(a);
          break;
        }
      }
    }
    const std::string put =
        fmt::format("aws autoscaling put-scaling-policy --cli-input-json \"$(jq -c '.PutScalingPolicy[{}]' {})\"", i, f);
    if (linked.empty()) {
      out += put + "\n";
      continue;
    }
    out += "arn=$(" + put + " --query PolicyARN --output text)\n";
    // The alarm's actions, with the policy's ARN as put-scaling-policy returned it.
    const std::string jq_suffix = Json(":policyName/" + name).dump();
    for (const std::size_t a : linked) {
      const std::string program = fmt::format(
          ".PutMetricAlarm[{}] | .AlarmActions |= ((. // []) | map(select(endswith({}) | not))) + [$arn]", a, jq_suffix);
      out += fmt::format("aws cloudwatch put-metric-alarm --cli-input-json \"$(jq -c --arg arn \"$arn\" {} {})\"\n",
                         shell_quote(program), f);
    }
  }
  return out;
}

}  // namespace autoscale::formats
