#pragma once
// AWS EC2 Auto Scaling policies <-> this project's AWS-style policy specs (`target-tracking:`,
// `step:`, `simple:`, `predictive:`). The mapping, the file layout and what is refused and why are
// docs/formats.md; every refusal is an Error naming the file and the JSON path.
//
// Import reads one JSON document holding the outputs of
//   aws autoscaling describe-policies           -> "ScalingPolicies"
//   aws autoscaling describe-auto-scaling-groups -> "AutoScalingGroups" (the group's min, max, warm-up)
//   aws cloudwatch describe-alarms              -> "MetricAlarms" (step and simple policies' alarms)
// merged into one object (`jq -s add policies.json group.json alarms.json`), or what export writes.
//
// Export writes one JSON document whose members are each the --cli-input-json of one AWS CLI call:
//   "UpdateAutoScalingGroup": {...}  aws autoscaling update-auto-scaling-group (min, max)
//   "PutScalingPolicy": [{...}, ...]  aws autoscaling put-scaling-policy, one per policy
//   "PutMetricAlarm": [{...}, ...]    aws cloudwatch put-metric-alarm, one per alarm (step, simple)
// which import reads back (an alarm belongs to the policy its AlarmActions' ARN names).
#include <string>

#include "service/params.hpp"

namespace autoscale::formats {

struct ImportedAws {
  // The spec with every key set (what AWS leaves to its defaults written out), e.g.
  // `step:high=0.7,low=0.3,out_points=2,in_points=10,min_step=1,out=0>1|0.1>3,in=0>1,min=2,max=40`.
  std::string spec;
  std::string group;  // AutoScalingGroupName
};

// Reads a document's text; `file` names it in errors. `service` gives a machine's capacity (a
// request count per target becomes a utilization of it), the warm-up and the fleet cap.
ImportedAws import_aws(const std::string& text, const std::string& file, const ServiceParams& service);
ImportedAws import_aws_file(const std::string& path, const ServiceParams& service);

// Whether `text` is `@FILE` with FILE ending .json (expand_manifest_spec imports it).
bool is_aws_spec(const std::string& text);

struct AwsExportOptions {
  std::string group;  // AutoScalingGroupName of a document written from scratch (without `from`)
  // The operator's document. A policy of the spec's type is kept as it is (names, metric,
  // alarms' dimensions and actions, every other field) but for the fields the spec sets, and the
  // spec's keys it leaves out keep the original's values. When the original's policies are of
  // another type, new ones are written for the original's group, on its metric.
  std::string from;
};

// The document for a `target-tracking`, `step` or `simple` spec. Throws Error for what AWS
// cannot say (e.g. a target tracking policy's alarms other than AWS's own, a fractional percentage).
std::string export_aws(const std::string& spec, const AwsExportOptions& options, const ServiceParams& service);

// The shell commands that apply an exported document `file` (what export prints).
std::string aws_apply_commands(const std::string& document, const std::string& file);

}  // namespace autoscale::formats
