// The CLI with Kubernetes HPA and KEDA manifests and AWS Auto Scaling policies: `@FILE.yaml` and
// `@FILE.json` specs, `export`, `run --baseline`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include "cli_run.hpp"
#include "temp_files.hpp"

namespace {

using ::testing::HasSubstr;

using autoscale::testing::CliRun;
using autoscale::testing::Stderr;

CliRun cli(const std::string& args, bool merge_stderr = false) {
  return autoscale::testing::run_cli(args, merge_stderr ? Stderr::kMerge : Stderr::kDrop);
}

const auto& read = autoscale::testing::read_file_text;
using autoscale::testing::temp_dir;

const std::string kExamples = std::string(AUTOSCALE_SOURCE_DIR) + "/examples/";

// Export, then evaluate the spec and the manifest side by side: the same profit in every episode.
TEST(FormatsCli, AnExportedManifestEvaluatesLikeItsSpec) {
  const auto dir = temp_dir("export");
  const std::string spec = "hpa:target=0.62,tolerance=0.05,down_window=120,up_pods=6,up_percent=0,up_period=30,min=3,max=300";
  for (const char* format : {"hpa", "keda"}) {
    SCOPED_TRACE(format);
    const auto file = dir / (std::string(format) + ".yaml");
    const CliRun e = cli("export --policy " + spec + " --format " + format + " --name web --out " + file.string(), true);
    ASSERT_EQ(e.code, 0) << e.out;
    const auto json = dir / (std::string(format) + ".json");
    const CliRun r = cli("evaluate --scenario seed --seed 11 --episodes 3 --threads 2 --policies " + spec + ",@" +
                         file.string() + " --json " + json.string());
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = nlohmann::json::parse(read(json));
    ASSERT_EQ(j["policies"].size(), 2u);
    EXPECT_EQ(j["policies"][0]["episode_profits"], j["policies"][1]["episode_profits"]);
    EXPECT_THAT(j["policies"][1]["policy"].get<std::string>(), HasSubstr("target=0.62,tolerance=0.05,"));
  }
  EXPECT_EQ(cli("export --policy hpa --format hpa --out " + (dir / "x.yaml").string()).code, 2);  // --name needed
  std::filesystem::remove_all(dir);
}

TEST(FormatsCli, ManifestsAreSpecsForSimulateAndTuneAndRefusalsNameTheField) {
  const CliRun s = cli("simulate --minutes 100 --policy @" + kExamples + "scaledobject.yaml");
  EXPECT_EQ(s.code, 0) << s.out;
  // Tuning starts from the operator's HPA: the keys it does not tune (min, max, the rate policies) stay theirs.
  const CliRun t = cli("tune --policy @" + kExamples + "hpa.yaml --scenario seed --seed 1 --episodes 2 --budget 3 --threads 2");
  ASSERT_EQ(t.code, 0) << t.out;
  const std::string last = t.out.substr(t.out.rfind('\n', t.out.size() - 2) + 1);
  EXPECT_EQ(last.rfind("hpa:", 0), 0u) << last;
  EXPECT_THAT(last, HasSubstr("up_pods=8,"));
  EXPECT_THAT(last, HasSubstr("min=20"));
  // ... and so do lists of rate policies the single-policy keys cannot say.
  const CliRun l = cli("tune --policy @" + std::string(AUTOSCALE_SOURCE_DIR) +
                       "/tests/formats/manifests/hpa-policy-lists.yaml --scenario seed --seed 1 --episodes 2 --budget 3 "
                       "--threads 2");
  ASSERT_EQ(l.code, 0) << l.out;
  const std::string best = l.out.substr(l.out.rfind('\n', l.out.size() - 2) + 1);
  EXPECT_THAT(best, HasSubstr("up_policies=4pods/60+10pods/600+100pct/15"));
  EXPECT_THAT(best, HasSubstr("down_policies=10pct/60+30pct/600+5pods/60"));
  EXPECT_THAT(best, HasSubstr("down_select=min"));
  const auto dir = temp_dir("bad_manifest");
  const auto bad = dir / "bad.yaml";
  std::ofstream(bad) << "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  scaleTargetRef: {name: web}\n"
                        "  maxReplicas: 10\n  behavior: {scaleUp: {policies: [{type: Pods, value: 1, periodSeconds: 15}, "
                        "{type: Pods, value: 4, periodSeconds: 3600}]}}\n";
  const CliRun e = cli("evaluate --episodes 1 --policies @" + bad.string(), true);
  EXPECT_EQ(e.code, 1);
  EXPECT_THAT(e.out, HasSubstr(bad.string() + ": spec.behavior.scaleUp.policies[1].periodSeconds: must be in [1, 1800]"));
  std::filesystem::remove_all(dir);
}

// run --baseline on a small trace: the operator's HPA is evaluated on the future with the rest,
// compared in the verdict, and the best tuned hpa comes back as their manifest. Tiny budgets.
TEST(FormatsCli, RunComparesWithTheOperatorsOwnAutoscalerAndWritesTheirManifest) {
  const auto dir = temp_dir("run_baseline");
  const auto scenario = dir / "nasa-week.toml";
  std::ofstream(scenario) << "name = \"nasa-week\"\n[load]\nkind = \"trace\"\npath = \"" << AUTOSCALE_SOURCE_DIR
                          << "/data/traces/nasa_1995_07.csv\"\nscale_to_p99 = 8800\nto = 10080\n";
  const auto mine = dir / "my-hpa.yaml";
  std::ofstream(mine) << "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\n  namespace: shop\n"
                         "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 2\n"
                         "  maxReplicas: 60\n  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, "
                         "averageUtilization: 70}}}]\n  behavior: {scaleDown: {policies: [{type: Pods, value: 2, periodSeconds: 60}]}}\n";
  const CliRun r = cli("run --scenario " + scenario.string() + " --out " + (dir / "out").string() + " --baseline @" +
                           mine.string() +
                           " --steps 4096 --episodes 3 --tune-budget 2 --tune-episodes 2 --history-minutes 60"
                           " --episode-minutes 120 --threads 2",
                       true);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(read(dir / "out" / "evaluation.json"));
  const auto& v = j["verdict"];
  const std::string op = v["operator_baseline"].get<std::string>();
  EXPECT_THAT(op, HasSubstr("hpa:target=0.7,"));
  EXPECT_THAT(op, HasSubstr("down_pods=2,down_percent=0,down_period=60,min=2,max=60"));
  std::vector<double> learned, mine_profits;
  for (const auto& p : j["policies"]) {
    if (p["policy"] == op) mine_profits = p["episode_profits"].get<std::vector<double>>();
    if (p["policy"] == v["learned"]) learned = p["episode_profits"].get<std::vector<double>>();
  }
  ASSERT_FALSE(mine_profits.empty());
  ASSERT_EQ(learned.size(), mine_profits.size());
  double diff = 0;
  for (std::size_t e = 0; e < learned.size(); ++e) diff += (learned[e] - mine_profits[e]) / static_cast<double>(learned.size());
  EXPECT_NEAR(v["learned_vs_operator"]["diff_mean"].get<double>(), diff, 1e-6);
  EXPECT_TRUE(v["deployed_vs_operator"].is_object());
  EXPECT_THAT(r.out, HasSubstr("against the operator's own"));
  // The tuned hpa started from theirs, and hpa.yaml is their manifest with its tuned fields.
  const std::string hpa_yaml = read(dir / "out" / "hpa.yaml");
  EXPECT_THAT(hpa_yaml, HasSubstr("namespace: shop"));
  EXPECT_THAT(hpa_yaml, HasSubstr("maxReplicas: 60"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "keda.yaml"));
  const CliRun back = cli("evaluate --episodes 1 --policies @" + (dir / "out" / "hpa.yaml").string());
  EXPECT_EQ(back.code, 0) << back.out;

  // From a ScaledObject: keda.yaml keeps its trigger's query; with a 15 s pollingInterval an
  // HPA manifest says the same policy, so hpa.yaml is written too.
  const auto so = dir / "my-so.yaml";
  std::ofstream(so) << "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: web, namespace: shop}\nspec:\n"
                       "  scaleTargetRef: {name: web}\n  pollingInterval: 15\n  minReplicaCount: 2\n  maxReplicaCount: 60\n"
                       "  triggers: [{type: prometheus, metadata: {serverAddress: 'http://p:9090', query: 'sum(rate(x[1m]))', "
                       "threshold: '3'}}]\n";
  const CliRun k = cli("run --scenario " + scenario.string() + " --out " + (dir / "keda").string() + " --baseline @" +
                           so.string() +
                           " --steps 4096 --episodes 3 --tune-budget 2 --tune-episodes 2 --history-minutes 60"
                           " --episode-minutes 120 --threads 2",
                       true);
  ASSERT_EQ(k.code, 0) << k.out;
  const auto kj = nlohmann::json::parse(read(dir / "keda" / "evaluation.json"));
  EXPECT_THAT(kj["verdict"]["operator_baseline"].get<std::string>(), HasSubstr("hpa:target=0.6,"));
  EXPECT_TRUE(kj["verdict"]["learned_vs_operator"].is_object());
  const std::string keda_yaml = read(dir / "keda" / "keda.yaml");
  EXPECT_THAT(keda_yaml, HasSubstr("query: \"sum(rate(x[1m]))\""));
  EXPECT_THAT(keda_yaml, HasSubstr("pollingInterval: 15"));
  EXPECT_THAT(read(dir / "keda" / "hpa.yaml"), HasSubstr("kind: HorizontalPodAutoscaler"));
  // The verdict says what was written.
  const auto& written = kj["verdict"]["exports"]["written"];
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0]["format"], "keda");
  EXPECT_EQ(written[1]["file"], (dir / "keda" / "hpa.yaml").string());
  std::filesystem::remove_all(dir);
}

const std::string kAwsFixtures = std::string(AUTOSCALE_SOURCE_DIR) + "/tests/formats/aws/";

// Export each AWS-style spec, then evaluate it and the document side by side: the same profit in
// every episode; the operator's describe outputs are specs as they are.
TEST(FormatsCli, AnExportedAwsDocumentEvaluatesLikeItsSpec) {
  const auto dir = temp_dir("export_aws");
  const std::vector<std::string> specs = {
      "target-tracking:target=0.58,min=3,max=300",
      "step:high=0.7,low=0.35,out_points=2,in_points=12,out=0>1|0.1>3|0.3>6,in=0>1,min=3,max=300",
      "simple:high=0.8,low=0.3,out=3,in=20pct,cooldown=120,min=3,max=300",
  };
  for (std::size_t i = 0; i < specs.size(); ++i) {
    SCOPED_TRACE(specs[i]);
    const auto file = dir / ("aws-" + std::to_string(i) + ".json");
    const CliRun e = cli("export --policy '" + specs[i] + "' --format aws --name web --out " + file.string(), true);
    ASSERT_EQ(e.code, 0) << e.out;
    EXPECT_THAT(e.out, HasSubstr("aws autoscaling put-scaling-policy --cli-input-json"));
    const auto json = dir / ("aws-" + std::to_string(i) + ".eval.json");
    const CliRun r = cli("evaluate --scenario seed --seed 11 --episodes 3 --threads 2 --policies '" + specs[i] + "',@" +
                         file.string() + " --json " + json.string());
    ASSERT_EQ(r.code, 0) << r.out;
    const auto j = nlohmann::json::parse(read(json));
    ASSERT_EQ(j["policies"].size(), 2u);
    EXPECT_EQ(j["policies"][0]["episode_profits"], j["policies"][1]["episode_profits"]);
  }
  const CliRun f = cli("evaluate --episodes 1 --policies @" + kAwsFixtures + "step-cpu.json,@" + kAwsFixtures +
                       "predictive-cpu.json");
  EXPECT_EQ(f.code, 0) << f.out;
  EXPECT_THAT(f.out, HasSubstr("step:high=0.7,low=0.3,out_points=2,"));
  EXPECT_THAT(f.out, HasSubstr("predictive:safety=2.5,"));
  // What AWS cannot say is refused, naming why.
  const CliRun t = cli("export --policy target-tracking:in_points=9 --format aws --name web --out " + (dir / "x.json").string(), true);
  EXPECT_EQ(t.code, 1);
  EXPECT_THAT(t.out, HasSubstr("AWS makes a target tracking policy's alarms itself"));
  // A refusal names the file and the JSON path.
  const auto bad = dir / "bad.json";
  auto doc = nlohmann::json::parse(read(kAwsFixtures + "step-cpu.json"));
  doc["MetricAlarms"][1]["Period"] = 300;
  std::ofstream(bad) << doc.dump();
  const CliRun b = cli("evaluate --episodes 1 --policies @" + bad.string(), true);
  EXPECT_EQ(b.code, 1);
  EXPECT_THAT(b.out, HasSubstr(bad.string() + ": MetricAlarms[1].Period: 300 s: this simulator's metric is one datapoint a minute"));
  std::filesystem::remove_all(dir);
}

// run --baseline with the operator's AWS policies: evaluated and compared like an HPA, the
// AWS-style policies tuned within their group's bounds (the step from theirs), and each one AWS
// can say written back as the calls that set it on their group.
TEST(FormatsCli, RunWritesTheTunedAwsPoliciesForTheOperatorsGroup) {
  const auto dir = temp_dir("run_aws");
  const auto scenario = dir / "nasa-week.toml";
  std::ofstream(scenario) << "name = \"nasa-week\"\n[load]\nkind = \"trace\"\npath = \"" << AUTOSCALE_SOURCE_DIR
                          << "/data/traces/nasa_1995_07.csv\"\nscale_to_p99 = 8800\nto = 10080\n";
  const CliRun r = cli("run --scenario " + scenario.string() + " --out " + (dir / "out").string() + " --baseline @" +
                           kAwsFixtures + "step-cpu.json" +
                           " --steps 4096 --episodes 3 --tune-budget 2 --tune-episodes 2 --history-minutes 60"
                           " --episode-minutes 120 --threads 2",
                       true);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(read(dir / "out" / "evaluation.json"));
  const auto& v = j["verdict"];
  EXPECT_THAT(v["operator_baseline"].get<std::string>(), HasSubstr("step:high=0.7,low=0.3,out_points=2,"));
  EXPECT_TRUE(v["learned_vs_operator"].is_object());
  EXPECT_THAT(r.out, HasSubstr("(the step is tuned starting from it)"));
  EXPECT_THAT(r.out, HasSubstr("written in the operator's format: "));
  // step and simple are written; target tracking when tuning kept AWS's own alarms, else why not;
  // predictive never (AWS's forecast is its own).
  const auto& exports = v["exports"];
  std::vector<std::string> files, refused;
  for (const auto& w : exports["written"]) {
    files.push_back(w["file"].get<std::string>());
    EXPECT_EQ(w["format"], "aws");
    // The tuned policy is the one written: the file reads back as it, on the operator's group.
    const std::string tuned = w["policy"].get<std::string>();
    EXPECT_THAT(w["imports_as"].get<std::string>(), HasSubstr("min=2,max=40")) << tuned;
  }
  for (const auto& n : exports["not_written"]) refused.push_back(n["policy"].get<std::string>());
  const auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::any_of(v.begin(), v.end(), [&](const std::string& x) { return x.find(s) != std::string::npos; });
  };
  EXPECT_TRUE(has(files, "aws-step.json"));
  EXPECT_TRUE(has(files, "aws-simple.json"));
  EXPECT_TRUE(has(files, "aws-target-tracking.json") || has(refused, "target-tracking:"));
  EXPECT_TRUE(has(refused, "predictive:"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "hpa.yaml"));
  // The step written is their policies, updated in place, and evaluates as the tuned step.
  const auto step = nlohmann::json::parse(read(dir / "out" / "aws-step.json"));
  EXPECT_EQ(step["PutScalingPolicy"][0]["PolicyName"], "web-scale-out");
  EXPECT_EQ(step["PutMetricAlarm"][0]["AlarmActions"][1], "arn:aws:sns:us-east-1:123456789012:ops-pager");
  std::string tuned_step;
  for (const auto& t : j["policies"]) {
    if (t["policy"].get<std::string>().rfind("step:", 0) == 0) tuned_step = t["policy"].get<std::string>();
  }
  const auto json = dir / "step.json";
  const CliRun e = cli("evaluate --scenario seed --seed 3 --episodes 2 --policies '" + tuned_step + "',@" +
                       (dir / "out" / "aws-step.json").string() + " --json " + json.string());
  ASSERT_EQ(e.code, 0) << e.out;
  const auto ej = nlohmann::json::parse(read(json));
  EXPECT_EQ(ej["policies"][0]["episode_profits"], ej["policies"][1]["episode_profits"]);
  std::filesystem::remove_all(dir);
}

// run without a baseline of the operator's: every tuned policy a format can say is written in
// it, named for the scenario, and each file reads back as the tuned policy it was written from.
TEST(FormatsCli, RunWithoutABaselineWritesEveryFormatNamedForTheScenario) {
  const auto dir = temp_dir("run_exports");
  const auto scenario = dir / "nasa-week.toml";
  std::ofstream(scenario) << "name = \"NASA week\"\n[load]\nkind = \"trace\"\npath = \"" << AUTOSCALE_SOURCE_DIR
                          << "/data/traces/nasa_1995_07.csv\"\nscale_to_p99 = 8800\nto = 10080\n";
  const CliRun r = cli("run --scenario " + scenario.string() + " --out " + (dir / "out").string() +
                           " --steps 4096 --episodes 3 --tune-budget 2 --tune-episodes 2 --history-minutes 60"
                           " --episode-minutes 120 --threads 2",
                       true);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(read(dir / "out" / "evaluation.json"));
  std::map<std::string, std::string> tuned;  // policy name -> its tuned spec
  for (const auto& p : j["policies"]) {
    const std::string spec = p["policy"].get<std::string>();
    tuned.emplace(spec.substr(0, spec.find(':')), spec);
  }
  std::set<std::string> files;
  for (const auto& w : j["verdict"]["exports"]["written"]) {
    const std::string file = std::filesystem::path(w["file"].get<std::string>()).filename().string();
    files.insert(file);
    const std::string policy = w["policy"].get<std::string>();
    EXPECT_EQ(policy, tuned[policy.substr(0, policy.find(':'))]) << file << ": not the tuned policy";
  }
  for (const char* f : {"hpa.yaml", "keda.yaml", "aws-step.json", "aws-simple.json"}) EXPECT_TRUE(files.count(f)) << f;
  EXPECT_THAT(read(dir / "out" / "hpa.yaml"), HasSubstr("name: nasa-week"));
  const auto step = nlohmann::json::parse(read(dir / "out" / "aws-step.json"));
  EXPECT_EQ(step["PutScalingPolicy"][0]["AutoScalingGroupName"], "nasa-week");
  // Each file evaluates as the tuned policy (the same episode profits).
  for (const auto& [file, name] : std::vector<std::pair<std::string, std::string>>{{"hpa.yaml", "hpa"}, {"aws-step.json", "step"}}) {
    const auto json = dir / (name + ".json");
    const CliRun e = cli("evaluate --scenario seed --seed 3 --episodes 2 --policies '" + tuned[name] + "',@" +
                         (dir / "out" / file).string() + " --json " + json.string());
    ASSERT_EQ(e.code, 0) << e.out;
    const auto ej = nlohmann::json::parse(read(json));
    EXPECT_EQ(ej["policies"][0]["episode_profits"], ej["policies"][1]["episode_profits"]) << file;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
