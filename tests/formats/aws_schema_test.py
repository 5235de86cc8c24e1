#!/usr/bin/env python3
"""Exported AWS scaling policies against the AWS service model of Debian's python3-botocore
(ctest `formats_aws_schema`), with botocore's own ParamValidator, the check the AWS CLI runs on
--cli-input-json before it sends a request:

- every member of a document `autoscale export --format aws` writes is the input of the call it
  is named after: UpdateAutoScalingGroup and PutScalingPolicy (autoscaling), PutMetricAlarm
  (cloudwatch);
- the describe fixtures the importer's tests read (tests/formats/aws/*.json) are what the AWS CLI
  prints: their ScalingPolicies are DescribePolicies' output, AutoScalingGroups
  DescribeAutoScalingGroups', MetricAlarms and CompositeAlarms cloudwatch DescribeAlarms';
- the apply commands export prints run (with jq, against a stand-in `aws` that records its input
  and answers put-scaling-policy with an ARN), and each alarm ends up naming its policy's ARN.

Without botocore the test prints SKIP (ctest reports it skipped); under CI=1 it fails.

Usage: aws_schema_test.py AUTOSCALE_CLI SOURCE_DIR WORK_DIR
"""
import glob
import json
import os
import shutil
import stat
import subprocess
import sys

try:
    import botocore.session
    from botocore.validate import ParamValidator
except ImportError as e:
    if os.environ.get("CI") == "1":
        print(f"python3-botocore is missing ({e}), and CI=1 requires this test to run (scripts/setup.sh installs it)")
        sys.exit(1)
    print("SKIP: python3-botocore is not installed (scripts/setup.sh installs it)")
    sys.exit(0)

SESSION = botocore.session.get_session()
AUTOSCALING = SESSION.get_service_model("autoscaling")
CLOUDWATCH = SESSION.get_service_model("cloudwatch")
INPUTS = {
    "UpdateAutoScalingGroup": AUTOSCALING.operation_model("UpdateAutoScalingGroup").input_shape,
    "PutScalingPolicy": AUTOSCALING.operation_model("PutScalingPolicy").input_shape,
    "PutMetricAlarm": CLOUDWATCH.operation_model("PutMetricAlarm").input_shape,
}
OUTPUTS = [
    (["ScalingPolicies"], AUTOSCALING.operation_model("DescribePolicies").output_shape),
    (["AutoScalingGroups"], AUTOSCALING.operation_model("DescribeAutoScalingGroups").output_shape),
    (["MetricAlarms", "CompositeAlarms"], CLOUDWATCH.operation_model("DescribeAlarms").output_shape),
]


def errors_of(params, shape):
    report = ParamValidator().validate(params, shape)
    return report.generate_report().splitlines() if report.has_errors() else []


def check_export(doc):
    errors = []
    for key in doc:
        if key not in INPUTS:
            errors.append(f"{key}: not a call export writes")
    if "UpdateAutoScalingGroup" not in doc or not doc.get("PutScalingPolicy"):
        errors.append("UpdateAutoScalingGroup and PutScalingPolicy are required")
    for key, shape in INPUTS.items():
        if key not in doc:
            continue
        items = [doc[key]] if key == "UpdateAutoScalingGroup" else doc[key]
        for i, item in enumerate(items):
            errors += [f"{key}[{i}]: {e}" for e in errors_of(item, shape)]
    return errors


def check_fixture(doc):
    errors = []
    for keys, shape in OUTPUTS:
        part = {k: doc[k] for k in keys if k in doc}
        if part:
            errors += [f"{shape.name}: {e}" for e in errors_of(part, shape)]
    return errors


FAKE_AWS = """#!/bin/sh
# A stand-in for the AWS CLI: records `service operation` and the --cli-input-json it was given.
service=$1; op=$2; shift 2
while [ $# -gt 0 ]; do
  if [ "$1" = --cli-input-json ]; then printf '%s\\n' "$2" > "$AWS_LOG/$(ls "$AWS_LOG" | wc -l)-$service-$op.json"; fi
  shift
done
if [ "$op" = put-scaling-policy ]; then echo "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:$(ls "$AWS_LOG" | wc -l)-new:autoScalingGroupName/g:policyName/p"; fi
"""


def check_apply(commands, work, name):
    """Runs the apply commands against the stand-in aws; returns errors."""
    if not shutil.which("jq"):
        if os.environ.get("CI", "") not in ("", "0"):
            return ["jq not found: the apply commands cannot be run (scripts/setup.sh installs it)"]
        return []
    bin_dir = os.path.join(work, "bin")
    os.makedirs(bin_dir, exist_ok=True)
    fake = os.path.join(bin_dir, "aws")
    with open(fake, "w") as f:
        f.write(FAKE_AWS)
    os.chmod(fake, os.stat(fake).st_mode | stat.S_IEXEC)
    log = os.path.join(work, "log-" + name)
    shutil.rmtree(log, ignore_errors=True)
    os.makedirs(log)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ["PATH"], AWS_LOG=log)
    run = subprocess.run(["sh", "-e", "-c", commands], env=env, capture_output=True, text=True)
    if run.returncode != 0:
        return [f"apply commands failed: {run.stderr}"]
    errors = []
    calls = sorted(os.listdir(log), key=lambda n: int(n.split("-")[0]))
    ops = {"autoscaling-update-auto-scaling-group": "UpdateAutoScalingGroup",
           "autoscaling-put-scaling-policy": "PutScalingPolicy", "cloudwatch-put-metric-alarm": "PutMetricAlarm"}
    last_arn = None
    for call in calls:
        op = ops[call.split("-", 1)[1][:-5]]
        with open(os.path.join(log, call)) as f:
            params = json.load(f)
        errors += [f"{call}: {e}" for e in errors_of(params, INPUTS[op])]
        if op == "PutScalingPolicy":
            last_arn = f"scalingPolicy:{int(call.split('-')[0]) + 1}-new:"
        if op == "PutMetricAlarm":
            actions = params.get("AlarmActions", [])
            if not any(last_arn and last_arn in a for a in actions):
                errors.append(f"{call}: AlarmActions {actions} do not name the policy put just before")
            if any("POLICY-ID" in a for a in actions):
                errors.append(f"{call}: a placeholder ARN was left in {actions}")
    if len(calls) != commands.count("aws "):
        errors.append(f"{len(calls)} calls recorded for {commands.count('aws ')} commands")
    return errors


def main():
    cli, src, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    fixtures = os.path.join(src, "tests/formats/aws")
    cases = [
        ("tt", ["--policy", "target-tracking:target=0.55,min=2,max=60", "--name", "web"]),
        ("step", ["--policy", "step:high=0.7,low=0.35,in_points=12", "--name", "web"]),
        ("step-counts", ["--policy", "step:out=0>1|0.1>3|0.3>6,in=0>1,min_step=0", "--name", "web"]),
        ("simple", ["--policy", "simple:high=0.8,low=0.3,out=3,in=20pct,cooldown=120", "--name", "web"]),
        ("step-no-scale-in", ["--policy", "step:low=0,in=0>0", "--name", "web"]),
        ("from-step", ["--policy", "step:high=0.72,low=0.33,in_points=8",
                       "--from", os.path.join(fixtures, "step-cpu.json")]),
        ("from-simple", ["--policy", "simple:cooldown=120", "--from", os.path.join(fixtures, "simple-cpu.json")]),
        ("from-tt-alb", ["--policy", "target-tracking:target=0.55",
                         "--from", os.path.join(fixtures, "target-tracking-alb.json")]),
        ("step-on-alb", ["--policy", "step:high=0.7", "--from", os.path.join(fixtures, "target-tracking-alb.json")]),
        ("tt-from-predictive", ["--policy", "target-tracking:target=0.45",
                                "--from", os.path.join(fixtures, "predictive-cpu.json")]),
    ]
    failed = 0
    for name, args in cases:
        out = os.path.join(work, f"aws-{name}.json")
        run = subprocess.run([cli, "export", "--format", "aws", "--out", out] + args, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{name}: export failed: {run.stderr}")
            failed += 1
            continue
        with open(out) as f:
            doc = json.load(f)
        commands = run.stderr.split("(needs jq)\n", 1)[1]
        errors = check_export(doc) + check_apply(commands, work, name)
        for e in errors:
            print(f"{name}: {e}")
        failed += bool(errors)
    paths = sorted(glob.glob(os.path.join(fixtures, "*.json")))
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        errors = check_fixture(doc)
        for e in errors:
            print(f"{os.path.basename(path)}: {e}")
        failed += bool(errors)
    # The check itself must catch a wrong type, an unknown member and a missing required one.
    with open(os.path.join(work, "aws-step.json")) as f:
        bad = json.load(f)
    bad["PutScalingPolicy"][0]["StepAdjustments"][0]["ScalingAdjustment"] = "ten"
    bad["PutScalingPolicy"][1]["Cooldown_"] = 5
    del bad["PutMetricAlarm"][0]["EvaluationPeriods"]
    errors = "\n".join(check_export(bad))
    if "ScalingAdjustment" not in errors or "Cooldown_" not in errors or "EvaluationPeriods" not in errors:
        print("the model check missed a bad document:", errors)
        failed += 1
    with open(paths[0]) as f:
        bad = json.load(f)
    bad["ScalingPolicies"][0]["TargetTrackingConfiguration"] = {"TargetValue": "high"}
    if not check_fixture(bad):
        print("the model check missed a bad fixture")
        failed += 1
    print(f"{len(cases)} exported documents and {len(paths)} fixtures checked against botocore "
          f"{botocore.__version__}'s models, {failed} failures")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
