// `autoscale export`: an hpa spec as a Kubernetes HorizontalPodAutoscaler or KEDA ScaledObject
// manifest (src/formats/manifest.hpp), or an AWS-style spec as the AWS CLI calls that set it
// (src/formats/aws_policies.hpp); the mappings are docs/formats.md.
#include <fmt/format.h>

#include "commands.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "formats/aws_policies.hpp"
#include "formats/manifest.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::cli {
namespace {

struct ExportArgs {
  std::string policy;
  std::string format;
  std::string from;
  std::string name;
  std::string out;
  std::string scenario = "seed";
};

void export_policy(const ExportArgs& a) {
  if (a.from.empty() && a.name.empty()) throw CLI::ValidationError("--name is required without --from");
  const Scenario scenario = resolve_scenario(a.scenario);
  const std::string spec = formats::expand_manifest_spec(a.policy, scenario.service);
  if (a.format == "aws") {
    const std::string doc = formats::export_aws(spec, {a.name, a.from}, scenario.service);
    // What the document says, read back: differs from the spec only where --from kept a key.
    const std::string back = formats::import_aws(doc, a.out, scenario.service).spec;
    fmt::print(stderr, "export: the document imports as {}\n", back);
    if (a.out != "-") {
      fmt::print(stderr, "export: apply it with (needs jq)\n{}", formats::aws_apply_commands(doc, a.out));
    }
    write_file_atomic(a.out, doc);
    return;
  }
  formats::ExportOptions o;
  o.kind = a.format == "hpa" ? formats::ManifestKind::kHpa : formats::ManifestKind::kScaledObject;
  o.name = a.name;
  o.from = a.from;
  const std::string manifest = formats::export_manifest(spec, o, scenario.service);
  // What the manifest says, read back: differs from the spec only where a manifest rounds (a
  // utilization to a whole percent, a request rate to milli-units) or --from kept a key.
  const std::string back = formats::import_manifest(manifest, a.out, scenario.service).spec;
  fmt::print(stderr, "export: the manifest imports as {}\n", back);
  write_file_atomic(a.out, manifest);
}

}  // namespace

void add_export(CLI::App& app) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* c = app.add_subcommand(
      "export",
      "Write an hpa policy spec as a Kubernetes HorizontalPodAutoscaler or KEDA ScaledObject manifest, or a "
      "target-tracking, step or simple spec as AWS Auto Scaling calls (docs/formats.md)");
  c->add_option("--policy", a->policy, "policy spec, @FILE, @FILE.yaml (a manifest) or @FILE.json (AWS policies)")->required();
  c->add_option("--format", a->format,
                "hpa (autoscaling/v2 HorizontalPodAutoscaler), keda (keda.sh/v1alpha1 ScaledObject) or aws "
                "(update-auto-scaling-group, put-scaling-policy and put-metric-alarm inputs)")
      ->required()
      ->check(CLI::IsMember({"hpa", "keda", "aws"}));
  c->add_option("--from", a->from,
                "the operator's manifest or AWS document: kept as it is except for the fields the spec's keys set");
  c->add_option("--name", a->name,
                "without --from: metadata.name and scaleTargetRef.name of a manifest, the AutoScalingGroupName of AWS calls");
  c->add_option("--scenario", a->scenario, "the scenario whose machine capacity, warm-up and fleet cap the spec is for")
      ->capture_default_str();
  c->add_option("--out", a->out, "output file ('-' = stdout)")->required();
  c->callback([a] { export_policy(*a); });
}

}  // namespace autoscale::cli
