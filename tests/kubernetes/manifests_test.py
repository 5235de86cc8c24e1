#!/usr/bin/env python3
"""The control loop's Kubernetes manifests (deploy/kubernetes/control-*.yaml) against the OpenAPI
models of Debian's python3-kubernetes (ctest `kubernetes_manifests`): every field must be one the
model knows, of its type, with the model's required fields (the field check of
tests/formats/hpa_schema_test.py). Then what ties them together: the Role grants exactly what the
scale client asks for (get and patch on the target's deployments/scale, list on
horizontalpodautoscalers), the RoleBinding binds it to the Deployment's ServiceAccount, the
Deployment's --actuate names the Role's namespace and Deployment, and it ships in shadow mode.

Usage: manifests_test.py SOURCE_DIR
"""
import importlib.util
import os
import sys

import yaml
from kubernetes import client

MODELS = {
    ("v1", "ServiceAccount"): "V1ServiceAccount",
    ("v1", "Service"): "V1Service",
    ("apps/v1", "Deployment"): "V1Deployment",
    ("rbac.authorization.k8s.io/v1", "Role"): "V1Role",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "V1RoleBinding",
}


def schema_check(src):
    spec = importlib.util.spec_from_file_location("hpa_schema_test", os.path.join(src, "tests/formats/hpa_schema_test.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check


def validate(docs, check):
    errors = []
    for i, doc in enumerate(docs):
        where = f"document {i + 1} ({doc.get('kind')} {doc.get('metadata', {}).get('name')})"
        model = MODELS.get((doc.get("apiVersion"), doc.get("kind")))
        if not model:
            errors.append(f"{where}: no model for {doc.get('apiVersion')} {doc.get('kind')}")
            continue
        found = []
        check(doc, model, "", found)
        errors += [f"{where}{e}" for e in found]
        try:  # the models' constructors refuse missing required fields
            client.ApiClient()._ApiClient__deserialize(doc, model)
        except ValueError as e:
            errors.append(f"{where}: {e}")
    return errors


def consistency(docs):
    errors = []
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    deployment = by_kind["Deployment"][0]
    pod = deployment["spec"]["template"]["spec"]
    args = pod["containers"][0]["args"]
    if args[0] != "control":
        errors.append("the Deployment does not run `autoscale control`")
    if "--enforce" in args:
        errors.append("the shipped Deployment must start in shadow mode (no --enforce)")
    target = args[args.index("--actuate") + 1]
    if not target.startswith("kubernetes:"):
        errors.append(f"--actuate {target}: not the kubernetes actuator")
    ns, kind, name = target[len("kubernetes:"):].split("/")
    if kind != "deployment":
        errors.append(f"--actuate {target}: expected a deployment")
    role = by_kind["Role"][0]
    if role["metadata"]["namespace"] != ns:
        errors.append(f"the Role is in namespace {role['metadata']['namespace']}, the target in {ns}")
    grants = set()
    for rule in role["rules"]:
        for group in rule["apiGroups"]:
            for res in rule["resources"]:
                for verb in rule["verbs"]:
                    for rn in rule.get("resourceNames", ["*"]):
                        grants.add((group, res, verb, rn))
    needed = {("apps", "deployments/scale", "get", name), ("apps", "deployments/scale", "patch", name),
              ("autoscaling", "horizontalpodautoscalers", "list", "*")}
    if grants != needed:
        errors.append(f"the Role grants {sorted(grants)}, the scale client needs exactly {sorted(needed)}")
    binding = by_kind["RoleBinding"][0]
    sa = pod.get("serviceAccountName")
    subject = binding["subjects"][0]
    if binding["roleRef"]["name"] != role["metadata"]["name"] or binding["roleRef"]["kind"] != "Role":
        errors.append("the RoleBinding does not bind the Role")
    if (subject["kind"], subject["name"], subject.get("namespace")) != ("ServiceAccount", sa, deployment["metadata"]["namespace"]):
        errors.append(f"the RoleBinding's subject {subject} is not the Deployment's ServiceAccount {sa}")
    if by_kind["ServiceAccount"][0]["metadata"]["name"] != sa:
        errors.append("the ServiceAccount is not the one the Deployment runs as")
    if deployment["spec"]["replicas"] != 1 or deployment["spec"]["strategy"]["type"] != "Recreate":
        errors.append("one control loop at a time: replicas 1 and strategy Recreate")
    mounts = {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    model = args[args.index("--model") + 1]
    if not any(model.startswith(m + "/") for m in mounts):
        errors.append(f"--model {model} is not under a mounted volume {sorted(mounts)}")
    return errors


def main():
    src = sys.argv[1]
    check = schema_check(src)
    docs = []
    for f in ("control-rbac.yaml", "control-deployment.yaml"):
        with open(os.path.join(src, "deploy/kubernetes", f)) as fh:
            docs += [d for d in yaml.safe_load_all(fh) if d]
    errors = validate(docs, check) + consistency(docs)
    # The checks must catch a wrong field and a missing grant.
    bad = yaml.safe_load(yaml.safe_dump(docs))
    for d in bad:
        if d["kind"] == "Deployment":
            d["spec"]["template"]["spec"]["containers"][0]["argz"] = []
        if d["kind"] == "Role":
            d["rules"][0]["verbs"] = ["get"]
    caught = validate(bad, check) + consistency(bad)
    if not any("argz: not a field" in e for e in caught) or not any("the Role grants" in e for e in caught):
        errors.append(f"the checks missed a broken manifest: {caught}")
    for e in errors:
        print(e)
    print(f"{len(docs)} manifests checked, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
