#pragma once
// Kubernetes autoscaling/v2 HorizontalPodAutoscaler and KEDA keda.sh/v1alpha1 ScaledObject
// manifests <-> this project's `hpa:` policy spec (HpaConfig). The mapping, and what is refused
// and why, is docs/formats.md; every refusal is an Error naming the file and the field path.
#include <string>

#include "service/params.hpp"

namespace autoscale::formats {

enum class ManifestKind { kHpa, kScaledObject };

struct ImportedManifest {
  ManifestKind kind = ManifestKind::kHpa;
  // `hpa:` with every key set (target, tolerance, sync, windows, rate policies, min, max), so that
  // what the manifest leaves to Kubernetes' or KEDA's defaults is written out, not left to ours.
  std::string spec;
};

// Reads a manifest's text; `file` names it in errors. `service` gives the capacity of a machine
// (an AverageValue request-rate target becomes a utilization of it) and the fleet cap.
ImportedManifest import_manifest(const std::string& text, const std::string& file, const ServiceParams& service);
ImportedManifest import_manifest_file(const std::string& path, const ServiceParams& service);

// Whether `text` is `@FILE` with FILE ending .yaml or .yml.
bool is_manifest_spec(const std::string& text);
// The one place a policy spec's `@FILE.yaml` and `@FILE.json` are expanded (the CLI and the
// pipeline call it before parse_policy_spec, which reads other `@FILE`s): the imported `hpa:` spec
// of a manifest, the imported AWS-style spec of AWS policies (formats/aws_policies.hpp), else
// `text` unchanged.
std::string expand_manifest_spec(const std::string& text, const ServiceParams& service);

// metadata.name of a manifest file ("" when it has none).
std::string manifest_name(const std::string& path);

struct ExportOptions {
  ManifestKind kind = ManifestKind::kHpa;
  std::string name;  // metadata.name and scaleTargetRef.name of a manifest written from scratch
  std::string from;  // the operator's manifest to keep (empty: write a minimal one)
};

// The manifest for an `hpa:` spec. With `from`, the original is kept and only the fields the
// spec's keys set are replaced (the keys it leaves out keep the original's values); `from` must
// be of the same kind. Throws Error for what a manifest cannot say (e.g. sync != 15 in an HPA).
std::string export_manifest(const std::string& spec, const ExportOptions& options, const ServiceParams& service);

}  // namespace autoscale::formats
