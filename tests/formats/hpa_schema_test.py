#!/usr/bin/env python3
"""Exported HorizontalPodAutoscaler manifests against the Kubernetes OpenAPI models of Debian's
python3-kubernetes (ctest `formats_hpa_schema`): every field must be one the model knows, of the
model's type, and the model's required fields must be there.

python3-kubernetes 22.6 stops at autoscaling/v2beta2, whose HorizontalPodAutoscaler schema is
autoscaling/v2's except for behavior.scaleUp/scaleDown.tolerance (Kubernetes 1.33+); tolerance is
checked by hand (a Quantity string) and removed before the model check.

Usage: hpa_schema_test.py AUTOSCALE_CLI SOURCE_DIR WORK_DIR
"""
import os
import subprocess
import sys

import yaml
from kubernetes import client

PRIMITIVES = {"int": int, "str": str, "bool": bool, "float": (int, float), "object": object}


def check(data, typ, path, errors):
    if typ.startswith("list["):
        if not isinstance(data, list):
            errors.append(f"{path}: expected a list")
            return
        for i, item in enumerate(data):
            check(item, typ[5:-1], f"{path}[{i}]", errors)
    elif typ.startswith("dict("):
        if not isinstance(data, dict):
            errors.append(f"{path}: expected a mapping")
    elif typ in PRIMITIVES:
        ok = isinstance(data, PRIMITIVES[typ]) and not (typ == "int" and isinstance(data, bool))
        if not ok:
            errors.append(f"{path}: expected {typ}, got {type(data).__name__} {data!r}")
    else:
        cls = getattr(client.models, typ)
        if not isinstance(data, dict):
            errors.append(f"{path}: expected a {typ} mapping")
            return
        by_json = {v: k for k, v in cls.attribute_map.items()}
        for key, value in data.items():
            if key not in by_json:
                errors.append(f"{path}.{key}: not a field of {typ}")
            else:
                check(value, cls.openapi_types[by_json[key]], f"{path}.{key}", errors)


def validate(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    errors = []
    if doc.get("apiVersion") != "autoscaling/v2" or doc.get("kind") != "HorizontalPodAutoscaler":
        errors.append("not an autoscaling/v2 HorizontalPodAutoscaler")
    for direction in ("scaleUp", "scaleDown"):
        rules = doc.get("spec", {}).get("behavior", {}).get(direction, {})
        if "tolerance" in rules:
            t = rules.pop("tolerance")
            if not isinstance(t, str) or not 0 <= float(t) <= 1:
                errors.append(f"spec.behavior.{direction}.tolerance: expected a Quantity string in [0, 1], got {t!r}")
    model = dict(doc, apiVersion="autoscaling/v2beta2")
    check(model, "V2beta2HorizontalPodAutoscaler", "", errors)
    try:  # the models' constructors refuse missing required fields
        client.ApiClient()._ApiClient__deserialize(model, "V2beta2HorizontalPodAutoscaler")
    except ValueError as e:
        errors.append(str(e))
    return errors


def main():
    cli, src, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    lists = os.path.join(src, "tests/formats/manifests/hpa-policy-lists.yaml")
    cases = [
        ["--policy", "hpa", "--name", "web"],
        ["--policy", "hpa:target=0.61058,tolerance=0.017043,down_window=0", "--name", "web"],
        ["--policy", "hpa:up_pods=0,up_percent=0,down_pods=3,down_percent=0,down_period=60,min=5,max=90", "--name", "web"],
        ["--policy", "@" + os.path.join(src, "examples/hpa.yaml"), "--name", "web"],
        ["--policy", "hpa:target=0.7,tolerance=0.05", "--from", os.path.join(src, "examples/hpa.yaml")],
        # Lists of rate policies: imported, written fresh, and kept from the original.
        ["--policy", "@" + lists, "--name", "web"],
        ["--policy", "hpa:up_policies=4pods/60+10pods/600,down_policies=1pods/60+10pct/600,up_select=min", "--name", "web"],
        ["--policy", "hpa:target=0.7,down_window=0", "--from", lists],
    ]
    failed = 0
    for i, args in enumerate(cases):
        out = os.path.join(work, f"hpa-{i}.yaml")
        subprocess.run([cli, "export", "--format", "hpa", "--out", out] + args, check=True)
        errors = validate(out)
        for e in errors:
            print(f"{' '.join(args)}: {e}")
        failed += bool(errors)
    # The check itself must catch a wrong type and an unknown field.
    with open(os.path.join(work, "hpa-0.yaml")) as f:
        doc = yaml.safe_load(f)
    doc["spec"]["maxReplicas"] = "many"
    doc["spec"]["replicas"] = 3
    bad = os.path.join(work, "bad.yaml")
    with open(bad, "w") as f:
        yaml.safe_dump(doc, f)
    errors = validate(bad)
    if not any("maxReplicas" in e for e in errors) or not any("replicas: not a field" in e for e in errors):
        print("the schema check missed a bad manifest:", errors)
        failed += 1
    print(f"{len(cases)} exported manifests checked, {failed} failures")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
