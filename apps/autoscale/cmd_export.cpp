// `autoscale export`: an hpa spec as a Kubernetes HorizontalPodAutoscaler or KEDA ScaledObject
// manifest (src/formats/manifest.hpp; the mapping is docs/formats.md).
#include <fmt/format.h>

#include "commands.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
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
  formats::ExportOptions o;
  o.kind = a.format == "hpa" ? formats::ManifestKind::kHpa : formats::ManifestKind::kScaledObject;
  o.name = a.name;
  o.from = a.from;
  const std::string spec = formats::expand_manifest_spec(a.policy, scenario.service);
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
      "export", "Write an hpa policy spec as a Kubernetes HorizontalPodAutoscaler or KEDA ScaledObject manifest (docs/formats.md)");
  c->add_option("--policy", a->policy, "hpa spec, @FILE or @FILE.yaml")->required();
  c->add_option("--format", a->format, "hpa (autoscaling/v2 HorizontalPodAutoscaler) or keda (keda.sh/v1alpha1 ScaledObject)")
      ->required()
      ->check(CLI::IsMember({"hpa", "keda"}));
  c->add_option("--from", a->from,
                "the operator's manifest: kept as it is except for the fields the spec's keys set");
  c->add_option("--name", a->name, "metadata.name and scaleTargetRef.name of a manifest written without --from");
  c->add_option("--scenario", a->scenario, "the scenario whose machine capacity and fleet cap the spec is for")
      ->capture_default_str();
  c->add_option("--out", a->out, "manifest file ('-' = stdout)")->required();
  c->callback([a] { export_policy(*a); });
}

}  // namespace autoscale::cli
