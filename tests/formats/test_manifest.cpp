#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "eval/run_policies.hpp"
#include "formats/manifest.hpp"
#include "policies/spec.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::formats {
namespace {

using ::testing::HasSubstr;

const ServiceParams kService;  // the seed's: 300 tpm a machine, a fleet cap of 833

std::string hpa(const std::string& spec_body) {
  return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\nspec:\n"
         "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n" + spec_body;
}

std::string keda(const std::string& spec_body) {
  return "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: web}\nspec:\n  scaleTargetRef: {name: web}\n" +
         spec_body;
}

const std::string kCpu65 =
    "  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 65}}}]\n";
const std::string kPromTrigger = "  triggers: [{type: prometheus, metadata: {serverAddress: http://p:9090, query: q, threshold: '3'}}]\n";

// The imported spec's keys in to_spec's order: every mapping writes out every key.
std::string spec(const std::string& target, const std::string& tolerance, int sync, int up_window, int down_window,
                 int up_pods, int up_percent, int up_period, int down_pods, int down_percent, int down_period, int min,
                 int max) {
  return "hpa:target=" + target + ",tolerance=" + tolerance + ",sync=" + std::to_string(sync) +
         ",up_window=" + std::to_string(up_window) + ",down_window=" + std::to_string(down_window) +
         ",up_pods=" + std::to_string(up_pods) + ",up_percent=" + std::to_string(up_percent) +
         ",up_period=" + std::to_string(up_period) + ",down_pods=" + std::to_string(down_pods) +
         ",down_percent=" + std::to_string(down_percent) + ",down_period=" + std::to_string(down_period) +
         ",min=" + std::to_string(min) + ",max=" + std::to_string(max);
}

TEST(Manifest, EveryFieldMapsOntoTheHpaSpec) {
  struct Row {
    const char* name;
    std::string yaml;
    std::string spec;
  };
  const std::vector<Row> rows = {
      // Kubernetes' defaults: 80 % cpu, minReplicas 1, scale-up 4 pods or 100 % per 15 s (Max),
      // scale-down 100 % per 15 s after a 300 s window, tolerance 0.1, the 15 s sync loop.
      {"defaults", hpa("  maxReplicas: 50\n"), spec("0.8", "0.1", 15, 0, 300, 4, 100, 15, 0, 100, 15, 1, 50)},
      {"cpu utilization", hpa("  minReplicas: 3\n  maxReplicas: 50\n" + kCpu65),
       spec("0.65", "0.1", 15, 0, 300, 4, 100, 15, 0, 100, 15, 3, 50)},
      {"container cpu",
       hpa("  maxReplicas: 50\n  metrics: [{type: ContainerResource, containerResource: {name: cpu, container: app, "
           "target: {type: Utilization, averageUtilization: 70}}}]\n"),
       spec("0.7", "0.1", 15, 0, 300, 4, 100, 15, 0, 100, 15, 1, 50)},
      // 4.5 requests/s a pod = 270 per minute of a machine's 300: 0.9.
      {"pods average value",
       hpa("  maxReplicas: 50\n  metrics: [{type: Pods, pods: {metric: {name: http_rps}, target: {type: AverageValue, "
           "averageValue: 4500m}}}]\n"),
       spec("0.9", "0.1", 15, 0, 300, 4, 100, 15, 0, 100, 15, 1, 50)},
      {"external average value",
       hpa("  maxReplicas: 50\n  metrics: [{type: External, external: {metric: {name: rps, selector: {matchLabels: {a: "
           "b}}}, target: {type: AverageValue, averageValue: '3'}}}]\n"),
       spec("0.6", "0.1", 15, 0, 300, 4, 100, 15, 0, 100, 15, 1, 50)},
      {"behavior in full",
       hpa("  maxReplicas: 50\n" + kCpu65 +
           "  behavior:\n    scaleUp: {stabilizationWindowSeconds: 60, selectPolicy: Max, tolerance: 0.05, policies: "
           "[{type: Pods, value: 8, periodSeconds: 30}, {type: Percent, value: 50, periodSeconds: 30}]}\n"
           "    scaleDown: {stabilizationWindowSeconds: 600, tolerance: '50m', policies: [{type: Percent, value: 10, "
           "periodSeconds: 60}, {type: Pods, value: 2, periodSeconds: 60}]}\n"),
       spec("0.65", "0.05", 15, 60, 600, 8, 50, 30, 2, 10, 60, 1, 50)},
      {"scale-up percent only", hpa("  maxReplicas: 50\n  behavior: {scaleUp: {policies: [{type: Percent, value: 20, periodSeconds: 60}]}}\n"),
       spec("0.8", "0.1", 15, 0, 300, 0, 20, 60, 0, 100, 15, 1, 50)},
      {"scale-down pods only", hpa("  maxReplicas: 50\n  behavior: {scaleDown: {policies: [{type: Pods, value: 1, periodSeconds: 120}]}}\n"),
       spec("0.8", "0.1", 15, 0, 300, 4, 100, 15, 1, 0, 120, 1, 50)},
      {"selectPolicy Min",
       hpa("  maxReplicas: 50\n  behavior: {scaleUp: {selectPolicy: Min}, scaleDown: {selectPolicy: Min, policies: [{type: "
           "Pods, value: 2, periodSeconds: 30}, {type: Percent, value: 10, periodSeconds: 30}]}}\n"),
       spec("0.8", "0.1", 15, 0, 300, 4, 100, 15, 2, 10, 30, 1, 50) + ",up_select=min,down_select=min"},
      {"per-direction tolerance", hpa("  maxReplicas: 50\n  behavior: {scaleUp: {tolerance: 0.05}}\n"),
       "hpa:target=0.8,up_tolerance=0.05,down_tolerance=0.1,sync=15,up_window=0,down_window=300,up_pods=4,up_percent=100,"
       "up_period=15,down_pods=0,down_percent=100,down_period=15,min=1,max=50"},
      {"a period per policy",
       hpa("  maxReplicas: 50\n  behavior: {scaleUp: {policies: [{type: Pods, value: 1, periodSeconds: 60}, {type: Percent, "
           "value: 5, periodSeconds: 30}]}}\n"),
       "hpa:target=0.8,tolerance=0.1,sync=15,up_window=0,down_window=300,up_pods=1,up_percent=5,up_pods_period=60,"
       "up_percent_period=30,down_pods=0,down_percent=100,down_period=15,min=1,max=50"},
      {"selectPolicy Disabled", hpa("  maxReplicas: 50\n  behavior: {scaleDown: {selectPolicy: Disabled}}\n"),
       spec("0.8", "0.1", 15, 0, 300, 4, 100, 15, 0, 0, 15, 1, 50)},
      // Lists the single-policy keys cannot say: a direction's policies in their order.
      {"two pods policies",
       hpa("  maxReplicas: 50\n  behavior: {scaleUp: {policies: [{type: Pods, value: 4, periodSeconds: 60}, {type: Pods, "
           "value: 10, periodSeconds: 600}, {type: Percent, value: 100, periodSeconds: 15}]}, scaleDown: {selectPolicy: Min, "
           "policies: [{type: Percent, value: 10, periodSeconds: 60}, {type: Percent, value: 200, periodSeconds: 600}]}}\n"),
       "hpa:target=0.8,tolerance=0.1,sync=15,up_window=0,down_window=300,up_policies=4pods/60+10pods/600+100pct/15,"
       "down_policies=10pct/60+100pct/600,min=1,max=50,down_select=min"},
      // Disabled: no policy applies, which the single keys say whatever the list.
      {"selectPolicy Disabled over a list",
       hpa("  maxReplicas: 50\n  behavior: {scaleDown: {selectPolicy: Disabled, policies: [{type: Pods, value: 1, "
           "periodSeconds: 60}, {type: Pods, value: 5, periodSeconds: 600}]}}\n"),
       spec("0.8", "0.1", 15, 0, 300, 4, 100, 15, 0, 0, 60, 1, 50)},
      // Removing 200 % a period removes no less than removing 100 %.
      {"scale-down percent over 100", hpa("  maxReplicas: 50\n  behavior: {scaleDown: {policies: [{type: Percent, value: 200, periodSeconds: 15}]}}\n"),
       spec("0.8", "0.1", 15, 0, 300, 4, 100, 15, 0, 100, 15, 1, 50)},
      {"status is ignored", hpa("  maxReplicas: 50\n") + "status: {currentReplicas: 7}\n",
       spec("0.8", "0.1", 15, 0, 300, 4, 100, 15, 0, 100, 15, 1, 50)},
      // KEDA: pollingInterval is the sync period (30 s by default); maxReplicaCount 100 by default.
      {"keda prometheus", keda("  minReplicaCount: 2\n" + kPromTrigger),
       spec("0.6", "0.1", 30, 0, 300, 4, 100, 15, 0, 100, 15, 2, 100)},
      {"keda cpu and behavior",
       keda("  pollingInterval: 15\n  cooldownPeriod: 120\n  minReplicaCount: 1\n  maxReplicaCount: 80\n"
            "  fallback: {failureThreshold: 3, replicas: 10}\n"
            "  advanced:\n    restoreToOriginalReplicaCount: true\n    horizontalPodAutoscalerConfig:\n      name: web-hpa\n"
            "      behavior: {scaleDown: {stabilizationWindowSeconds: 60, policies: [{type: Pods, value: 3, periodSeconds: 30}]}}\n"
            "  triggers: [{type: cpu, metricType: Utilization, metadata: {value: '55'}}]\n"),
       spec("0.55", "0.1", 15, 0, 60, 4, 100, 15, 3, 0, 30, 1, 80)},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const auto m = import_manifest(row.yaml, "m.yaml", kService);
    EXPECT_EQ(m.spec, row.spec);
    EXPECT_EQ(m.kind, row.yaml.find("ScaledObject") == std::string::npos ? ManifestKind::kHpa : ManifestKind::kScaledObject);
  }
}

TEST(Manifest, WhatTheHpaCannotDoIsAnErrorNamingFileAndField) {
  struct Row {
    const char* name;
    std::string yaml;
    std::string field;  // "m.yaml: <field path>: "
    std::string why;
  };
  const std::string m50 = "  maxReplicas: 50\n";
  const std::vector<Row> rows = {
      {"unknown top-level field", hpa(m50) + "extra: 1\n", "(document).extra", "unknown field"},
      {"unknown spec field", hpa(m50 + "  replicas: 3\n"), "spec.replicas", "unknown field"},
      {"wrong apiVersion", "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nspec: {}\n", "apiVersion", "autoscaling/v2"},
      {"wrong kind", "apiVersion: apps/v1\nkind: Deployment\n", "kind", "HorizontalPodAutoscaler or ScaledObject"},
      {"no maxReplicas", hpa(""), "spec.maxReplicas", "required"},
      {"max above the fleet cap", hpa("  maxReplicas: 5000\n"), "spec.maxReplicas", "fleet cap of 833"},
      {"min above max", hpa("  minReplicas: 60\n" + m50), "spec.minReplicas", "exceeds maximum"},
      {"minReplicas 0", hpa("  minReplicas: 0\n" + m50), "spec.minReplicas", "must be in [1,"},
      {"two metrics", hpa(m50 + "  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}, "
                                 "{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}}]\n"),
       "spec.metrics[1]", "a second metric"},
      {"memory", hpa(m50 + "  metrics: [{type: Resource, resource: {name: memory, target: {type: Utilization, averageUtilization: 60}}}]\n"),
       "spec.metrics[0].resource.name", "only cpu"},
      {"cpu average value", hpa(m50 + "  metrics: [{type: Resource, resource: {name: cpu, target: {type: AverageValue, averageValue: 500m}}}]\n"),
       "spec.metrics[0].resource.target.type", "cpu request"},
      {"external total value", hpa(m50 + "  metrics: [{type: External, external: {metric: {name: q}, target: {type: Value, value: 100}}}]\n"),
       "spec.metrics[0].external.target.type", "only AverageValue"},
      {"object metric", hpa(m50 + "  metrics: [{type: Object, object: {}}]\n"), "spec.metrics[0].type", "Object"},
      {"target out of range", hpa(m50 + "  metrics: [{type: Pods, pods: {metric: {name: r}, target: {type: AverageValue, averageValue: 1k}}}]\n"),
       "spec.metrics[0].pods.target.averageValue", "0.01 to 10"},
      {"policy value 0", hpa(m50 + "  behavior: {scaleDown: {policies: [{type: Pods, value: 1, periodSeconds: 60}, "
                                    "{type: Pods, value: 0, periodSeconds: 600}]}}\n"),
       "spec.behavior.scaleDown.policies[1].value", "must be in [1, 100000]"},
      {"policy period above 1800", hpa(m50 + "  behavior: {scaleUp: {policies: [{type: Pods, value: 1, periodSeconds: 3600}]}}\n"),
       "spec.behavior.scaleUp.policies[0].periodSeconds", "must be in [1, 1800]"},
      {"bad selectPolicy", hpa(m50 + "  behavior: {scaleUp: {selectPolicy: Fastest}}\n"), "spec.behavior.scaleUp.selectPolicy",
       "Max, Min or Disabled"},
      {"unknown policy type", hpa(m50 + "  behavior: {scaleUp: {policies: [{type: Replicas, value: 1, periodSeconds: 60}]}}\n"),
       "spec.behavior.scaleUp.policies[0].type", "Pods or Percent"},
      {"policy without period", hpa(m50 + "  behavior: {scaleUp: {policies: [{type: Pods, value: 1}]}}\n"),
       "spec.behavior.scaleUp.policies[0].periodSeconds", "required"},
      {"empty policies", hpa(m50 + "  behavior: {scaleUp: {policies: []}}\n"), "spec.behavior.scaleUp.policies", "non-empty"},
      {"window too long", hpa(m50 + "  behavior: {scaleDown: {stabilizationWindowSeconds: 7200}}\n"),
       "spec.behavior.scaleDown.stabilizationWindowSeconds", "[0, 3600]"},
      {"unknown behavior field", hpa(m50 + "  behavior: {scaleUp: {cooldown: 5}}\n"), "spec.behavior.scaleUp.cooldown", "unknown field"},
      {"tolerance above 1", hpa(m50 + "  behavior: {scaleUp: {tolerance: 2}}\n"), "spec.behavior.scaleUp.tolerance", "[0, 1]"},
      {"tolerance not a number", hpa(m50 + "  behavior: {scaleDown: {tolerance: lots}}\n"), "spec.behavior.scaleDown.tolerance",
       "quantity"},
      {"integer not a number", hpa("  maxReplicas: many\n"), "spec.maxReplicas", "integer"},
      {"keda without minReplicaCount", keda(kPromTrigger), "spec.minReplicaCount", "scale to zero"},
      {"keda minReplicaCount 0", keda("  minReplicaCount: 0\n" + kPromTrigger), "spec.minReplicaCount", "scale to zero"},
      {"keda idleReplicaCount", keda("  minReplicaCount: 1\n  idleReplicaCount: 0\n" + kPromTrigger), "spec.idleReplicaCount", "idle"},
      {"keda pollingInterval", keda("  minReplicaCount: 1\n  pollingInterval: 7\n" + kPromTrigger), "spec.pollingInterval",
       "does not divide"},
      {"keda default max above cap", keda("  minReplicaCount: 1\n" + kPromTrigger), "", ""},  // the seed's cap is 833 > 100: fine
      {"keda two triggers", keda("  minReplicaCount: 1\n  triggers: [{type: cpu, metricType: Utilization, metadata: {value: '50'}}, "
                                 "{type: cpu, metricType: Utilization, metadata: {value: '60'}}]\n"),
       "spec.triggers[1]", "a second trigger"},
      {"keda other scaler", keda("  minReplicaCount: 1\n  triggers: [{type: kafka, metadata: {lagThreshold: '5'}}]\n"),
       "spec.triggers[0].type", "only cpu and prometheus"},
      {"keda prometheus Value", keda("  minReplicaCount: 1\n  triggers: [{type: prometheus, metricType: Value, metadata: {threshold: '5'}}]\n"),
       "spec.triggers[0].metricType", "only AverageValue"},
      {"keda cpu without metricType", keda("  minReplicaCount: 1\n  triggers: [{type: cpu, metadata: {value: '50'}}]\n"),
       "spec.triggers[0].metricType", "only Utilization"},
      {"keda scalingModifiers", keda("  minReplicaCount: 1\n  advanced: {scalingModifiers: {formula: a}}\n" + kPromTrigger),
       "spec.advanced.scalingModifiers", "formula"},
      {"keda behavior refusal names its path",
       keda("  minReplicaCount: 1\n  advanced: {horizontalPodAutoscalerConfig: {behavior: {scaleUp: {selectPolicy: Least}}}}\n" +
            kPromTrigger),
       "spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.selectPolicy", "Max, Min or Disabled"},
      {"keda unknown field", keda("  minReplicaCount: 1\n  paused: true\n" + kPromTrigger), "spec.paused", "unknown field"},
      {"not YAML", "a: [1,\n", "line", ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    if (row.field.empty()) {
      EXPECT_NO_THROW(import_manifest(row.yaml, "m.yaml", kService));
      continue;
    }
    try {
      import_manifest(row.yaml, "m.yaml", kService);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("m.yaml: " + row.field)) << e.what();
      EXPECT_THAT(e.what(), HasSubstr(row.why)) << e.what();
    }
  }
}

TEST(Manifest, ExportThenImportGivesTheSameSpecAndTheSameEpisodes) {
  const Scenario scenario = resolve_scenario("seed");
  const std::vector<std::string> specs = {
      spec("0.65", "0.1", 15, 0, 300, 4, 100, 15, 0, 100, 15, 1, 833),
      spec("0.6", "0.05", 15, 60, 600, 8, 50, 30, 2, 10, 60, 20, 400),
      spec("0.7", "0.1", 15, 0, 0, 0, 0, 15, 0, 0, 45, 10, 100),  // both directions Disabled
      spec("0.55", "0.2", 30, 0, 120, 0, 20, 60, 3, 0, 30, 5, 200),
      "hpa:target=0.6,up_tolerance=0.02,down_tolerance=0.15,sync=15,up_window=30,down_window=300,up_pods=4,up_percent=100,"
      "up_period=15,down_pods=1,down_percent=50,down_period=60,min=2,max=90,up_select=min,down_select=min",
      "hpa:target=0.6,tolerance=0.1,sync=15,up_window=0,down_window=300,up_pods=4,up_percent=100,up_pods_period=60,"
      "up_percent_period=15,down_pods=2,down_percent=10,down_pods_period=30,down_percent_period=120,min=2,max=90",
      // Lists: two Pods policies up (Max), three down (Min); a list one way and single keys the other.
      "hpa:target=0.6,tolerance=0.1,sync=15,up_window=0,down_window=300,up_policies=4pods/60+10pods/600+100pct/15,"
      "down_policies=10pct/60+30pct/600+5pods/60,min=3,max=200,down_select=min",
      "hpa:target=0.55,tolerance=0.1,sync=15,up_window=30,down_window=600,up_policies=50pct/60+200pct/600,down_pods=0,"
      "down_percent=100,down_period=15,min=1,max=300,up_select=min",
      "hpa:target=0.7,tolerance=0.1,sync=30,up_window=0,down_window=300,up_pods=4,up_percent=100,up_period=15,"
      "down_policies=1pods/30+4pods/300,min=2,max=100",
  };
  for (const auto& s : specs) {
    for (const ManifestKind kind : {ManifestKind::kHpa, ManifestKind::kScaledObject}) {
      SCOPED_TRACE(s + (kind == ManifestKind::kHpa ? " as hpa" : " as keda"));
      if (kind == ManifestKind::kHpa && s.find("sync=30") != std::string::npos) {
        EXPECT_THROW(export_manifest(s, {kind, "web", ""}, kService), Error);  // the cluster's sync period
        continue;
      }
      const std::string text = export_manifest(s, {kind, "web", ""}, kService);
      const auto back = import_manifest(text, "exported.yaml", kService);
      EXPECT_EQ(back.kind, kind);
      EXPECT_EQ(back.spec, s) << text;
      const auto runs = run_policies(scenario, {parse_policy_spec(s), parse_policy_spec(back.spec)}, 5000000, 2, 2);
      ASSERT_EQ(runs.size(), 2u);
      for (std::size_t e = 0; e < runs[0].episodes.size(); ++e) {
        EXPECT_EQ(runs[0].episodes[e].profit, runs[1].episodes[e].profit) << e;
      }
    }
  }
}

TEST(Manifest, ExportFromTheOriginalReplacesOnlyTheSpecsKeys) {
  const std::string original = std::string(AUTOSCALE_SOURCE_DIR) + "/examples/hpa.yaml";
  const std::string text = export_manifest("hpa:target=0.61,down_window=0", {ManifestKind::kHpa, "", original}, kService);
  EXPECT_THAT(text, HasSubstr("namespace: shop"));
  EXPECT_THAT(text, HasSubstr("owner: platform-team"));
  EXPECT_THAT(text, HasSubstr("averageUtilization: 61"));
  EXPECT_THAT(text, HasSubstr("version: \"1.0\""));  // a quoted string stays one
  const auto back = import_manifest(text, "exported.yaml", kService);
  // The original's other keys stay: min 20, max 400, its scale-up policies, 10 % per minute down.
  EXPECT_EQ(back.spec, spec("0.61", "0.1", 15, 0, 0, 8, 50, 30, 0, 10, 60, 20, 400));
  const std::string so = std::string(AUTOSCALE_SOURCE_DIR) + "/examples/scaledobject.yaml";
  const std::string k = export_manifest("hpa:target=0.9,max=300", {ManifestKind::kScaledObject, "", so}, kService);
  EXPECT_THAT(k, HasSubstr("threshold: \"4.5\""));
  EXPECT_THAT(k, HasSubstr("query: sum(rate(http_requests_total{service=\"web\"}[1m]))"));
  EXPECT_THAT(import_manifest(k, "k.yaml", kService).spec, HasSubstr("target=0.9,"));
  EXPECT_THAT(import_manifest(k, "k.yaml", kService).spec, HasSubstr("max=300"));
  try {
    export_manifest("hpa", {ManifestKind::kScaledObject, "", original}, kService);
    ADD_FAILURE() << "accepted an HPA as a ScaledObject";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("not the ScaledObject asked for"));
  }
  EXPECT_THROW(export_manifest("headroom", {ManifestKind::kHpa, "web", ""}, kService), Error);
}

TEST(Manifest, ExportFromAnOriginalWithListsKeepsOrReplacesAWholeList) {
  const std::string lists = std::string(AUTOSCALE_SOURCE_DIR) + "/tests/formats/manifests/hpa-policy-lists.yaml";
  const std::string imported =
      "hpa:target=0.6,tolerance=0.1,sync=15,up_window=0,down_window=300,up_policies=4pods/60+10pods/600+100pct/15,"
      "down_policies=10pct/60+30pct/600+5pods/60,min=3,max=200,down_select=min";
  EXPECT_EQ(import_manifest_file(lists, kService).spec, imported);
  // Tuned keys change; the lists stay the operator's.
  const std::string tuned = export_manifest("hpa:target=0.7,down_window=0", {ManifestKind::kHpa, "", lists}, kService);
  EXPECT_THAT(tuned, HasSubstr("namespace: shop"));
  EXPECT_EQ(import_manifest(tuned, "t.yaml", kService).spec,
            "hpa:target=0.7,tolerance=0.1,sync=15,up_window=0,down_window=0,up_policies=4pods/60+10pods/600+100pct/15,"
            "down_policies=10pct/60+30pct/600+5pods/60,min=3,max=200,down_select=min");
  // A list key replaces that direction's list whole.
  const std::string up = export_manifest("hpa:up_policies=2pods/60+20pods/600", {ManifestKind::kHpa, "", lists}, kService);
  EXPECT_EQ(import_manifest(up, "u.yaml", kService).spec,
            "hpa:target=0.6,tolerance=0.1,sync=15,up_window=0,down_window=300,up_policies=2pods/60+20pods/600,"
            "down_policies=10pct/60+30pct/600+5pods/60,min=3,max=200,down_select=min");
  // ... and an original's single-policy keys too.
  const std::string single = std::string(AUTOSCALE_SOURCE_DIR) + "/examples/hpa.yaml";
  const std::string over = export_manifest("hpa:up_policies=2pods/60+20pods/600", {ManifestKind::kHpa, "", single}, kService);
  EXPECT_EQ(import_manifest(over, "o.yaml", kService).spec,
            "hpa:target=0.65,tolerance=0.1,sync=15,up_window=0,down_window=600,up_policies=2pods/60+20pods/600,"
            "down_pods=0,down_percent=10,down_period=60,min=20,max=400");
  // A single-policy key cannot change one policy of a list it cannot say.
  try {
    export_manifest("hpa:up_pods=8", {ManifestKind::kHpa, "", lists}, kService);
    ADD_FAILURE() << "accepted up_pods over a list";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("up_pods sets one scale-up policy"));
    EXPECT_THAT(e.what(), HasSubstr(lists));
    EXPECT_THAT(e.what(), HasSubstr("give up_policies in full"));
  }
  // The spec itself may not give both forms of a direction.
  EXPECT_THROW(export_manifest("hpa:down_policies=1pods/60,down_pods=2", {ManifestKind::kHpa, "web", ""}, kService), Error);
}

TEST(Manifest, OnlyYamlFilesAreManifestSpecs) {
  EXPECT_TRUE(is_manifest_spec("@a/b.yaml"));
  EXPECT_TRUE(is_manifest_spec("@b.yml"));
  EXPECT_FALSE(is_manifest_spec("@b.spec"));
  EXPECT_FALSE(is_manifest_spec("hpa:target=0.5"));
  EXPECT_EQ(expand_manifest_spec("hpa", kService), "hpa");
  EXPECT_EQ(expand_manifest_spec("@" + std::string(AUTOSCALE_SOURCE_DIR) + "/examples/hpa.yaml", kService),
            spec("0.65", "0.1", 15, 0, 600, 8, 50, 30, 0, 10, 60, 20, 400));
}

}  // namespace
}  // namespace autoscale::formats
