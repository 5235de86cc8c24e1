#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "eval/run_policies.hpp"
#include "formats/aws_policies.hpp"
#include "formats/manifest.hpp"
#include "policies/spec.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::formats {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

const ServiceParams kService;  // the seed's: 300 tpm a machine, a 5-minute warm-up, a fleet cap of 833

std::string fixture_path(const std::string& name) {
  return std::string(AUTOSCALE_SOURCE_DIR) + "/tests/formats/aws/" + name;
}

Json fixture(const std::string& name) {
  std::ifstream in(fixture_path(name));
  std::stringstream ss;
  ss << in.rdbuf();
  return Json::parse(ss.str());
}

// A fixture with a change applied.
std::string patched(const std::string& name, const std::function<void(Json&)>& change) {
  Json j = fixture(name);
  change(j);
  return j.dump();
}

const char* kStep = "step-cpu.json";
const char* kSimple = "simple-cpu.json";
const char* kTracking = "target-tracking-alb.json";
const char* kPredictive = "predictive-cpu.json";

const std::string kStepSpec =
    "step:high=0.7,low=0.3,out_points=2,in_points=10,min_step=2,out=0>10pct|0.15>30pct,in=0>1|0.1>2,min=2,max=40";
const std::string kTrackingKeys = "out_points=3,in_points=15,in_ratio=0.9,in_step=0.1,in_cooldown=300";

TEST(AwsPolicies, DescribeOutputsMapOntoTheAwsStyleSpecs) {
  struct Row {
    const char* name;
    std::string json;
    std::string spec;
  };
  const auto none = [](Json&) {};
  const std::vector<Row> rows = {
      // Two step policies on CPU alarms: 70 % for 2 minutes out (>= is read as >), 30 % for 10 in;
      // the scale-in steps' bounds below the threshold are breaches of 0-10 and 10+ points.
      {"step pair", patched(kStep, none), kStepSpec},
      {"a null lower bound is the threshold",
       patched(kStep, [](Json& j) { j["ScalingPolicies"][0]["StepAdjustments"][0].erase("MetricIntervalLowerBound"); }),
       kStepSpec},
      {"MinAdjustmentStep is MinAdjustmentMagnitude's older name",
       patched(kStep,
               [](Json& j) {
                 auto& p = j["ScalingPolicies"][0];
                 p["MinAdjustmentStep"] = p["MinAdjustmentMagnitude"];
                 p.erase("MinAdjustmentMagnitude");
               }),
       kStepSpec},
      // Breaches before the first step and past a bounded last one do nothing, as on AWS.
      {"gaps are steps that change nothing",
       patched(kStep,
               [](Json& j) {
                 j["ScalingPolicies"][0]["StepAdjustments"] = Json::parse(
                     R"([{"MetricIntervalLowerBound": 5, "MetricIntervalUpperBound": 15, "ScalingAdjustment": 10},
                         {"MetricIntervalLowerBound": 15, "MetricIntervalUpperBound": 40, "ScalingAdjustment": 30}])");
               }),
       "step:high=0.7,low=0.3,out_points=2,in_points=10,min_step=2,out=0>0pct|0.05>10pct|0.15>30pct|0.4>0pct,in=0>1|0.1>2,"
       "min=2,max=40"},
      // No scale-in policy: a low alarm that never fires.
      {"scale-out only", patched(kStep, [](Json& j) { j["ScalingPolicies"].erase(1); }),
       "step:high=0.7,low=0,out_points=2,in_points=1,min_step=2,out=0>10pct|0.15>30pct,in=0>0,min=2,max=40"},
      {"a policy no alarm invokes never scales",
       patched(kStep, [](Json& j) { j["ScalingPolicies"][1]["Alarms"] = Json::array(); }),
       "step:high=0.7,low=0,out_points=2,in_points=1,min_step=2,out=0>10pct|0.15>30pct,in=0>0,min=2,max=40"},
      // 210 requests a target a minute of a machine's 300 is 0.7; bounds scale alike.
      {"request count alarms",
       patched(kStep,
               [](Json& j) {
                 for (auto& a : j["MetricAlarms"]) {
                   a["MetricName"] = "RequestCountPerTarget";
                   a["Namespace"] = "AWS/ApplicationELB";
                   a["Statistic"] = "Sum";
                   a["Dimensions"] = Json::parse(
                       R"([{"Name": "TargetGroup", "Value": "targetgroup/web-tg/943f017f100becff"},
                           {"Name": "LoadBalancer", "Value": "app/web-alb/778d41231b141a0f"}])");
                 }
                 j["MetricAlarms"][0]["Threshold"] = 210;
                 j["MetricAlarms"][1]["Threshold"] = 90;
                 j["ScalingPolicies"][0]["StepAdjustments"][0]["MetricIntervalUpperBound"] = 45;
                 j["ScalingPolicies"][0]["StepAdjustments"][1]["MetricIntervalLowerBound"] = 45;
                 j["ScalingPolicies"][1]["StepAdjustments"][0]["MetricIntervalLowerBound"] = -30;
                 j["ScalingPolicies"][1]["StepAdjustments"][1]["MetricIntervalUpperBound"] = -30;
               }),
       kStepSpec},
      // The third, disabled policy is read as absent; the scale-in one's cooldown is the group's.
      {"simple pair", patched(kSimple, none),
       "simple:high=0.75,low=0.25,out_points=3,in_points=15,min_step=1,out=2,in=1,cooldown=300,min=1,max=20"},
      {"simple percentages",
       patched(kSimple,
               [](Json& j) {
                 for (auto& p : j["ScalingPolicies"]) p["AdjustmentType"] = "PercentChangeInCapacity";
                 j["ScalingPolicies"][0]["ScalingAdjustment"] = 30;
                 j["ScalingPolicies"][1]["MinAdjustmentMagnitude"] = 1;
                 j["ScalingPolicies"][0]["MinAdjustmentMagnitude"] = 1;
                 j["ScalingPolicies"][1]["Cooldown"] = 300;
               }),
       "simple:high=0.75,low=0.25,out_points=3,in_points=15,min_step=1,out=30pct,in=1pct,cooldown=300,min=1,max=20"},
      // 180 requests a target a minute against a machine's 300: target 0.6.
      {"target tracking on request count", patched(kTracking, none),
       "target-tracking:target=0.6," + kTrackingKeys + ",min=2,max=60"},
      {"target tracking on cpu",
       patched(kTracking,
               [](Json& j) {
                 j["ScalingPolicies"][0]["TargetTrackingConfiguration"]["PredefinedMetricSpecification"] = {
                     {"PredefinedMetricType", "ASGAverageCPUUtilization"}};
                 j["ScalingPolicies"][0]["TargetTrackingConfiguration"]["TargetValue"] = 55.0;
               }),
       "target-tracking:target=0.55," + kTrackingKeys + ",min=2,max=60"},
      // Forecast capacity at 40 % cpu a machine is the forecast x 100/40; launched 600 s ahead,
      // 5 minutes more than the warm-up.
      {"predictive with target tracking", patched(kPredictive, none),
       "predictive:safety=2.5,reserve=0,buffer=5,seasons=3,smooth=5,target=0.5," + kTrackingKeys + ",min=2,max=50"},
      {"a ForecastOnly predictive policy does not scale",
       patched(kPredictive,
               [](Json& j) { j["ScalingPolicies"][1]["PredictiveScalingConfiguration"]["Mode"] = "ForecastOnly"; }),
       "target-tracking:target=0.5," + kTrackingKeys + ",min=2,max=50"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    const ImportedAws m = import_aws(row.json, "my.json", kService);
    EXPECT_EQ(m.spec, row.spec);
  }
  EXPECT_EQ(import_aws_file(fixture_path(kStep), kService).group, "web-asg");
}

TEST(AwsPolicies, WhatCannotBeHonouredIsAnErrorNamingFileAndPath) {
  struct Row {
    const char* name;
    const char* base;
    std::function<void(Json&)> change;
    std::string path;  // "my.json: <path>: "
    std::string why;
  };
  const std::vector<Row> rows = {
      {"a five-minute period", kStep, [](Json& j) { j["MetricAlarms"][0]["Period"] = 300; }, "MetricAlarms[0].Period",
       "one datapoint a minute"},
      {"M of N datapoints", kStep, [](Json& j) { j["MetricAlarms"][0]["DatapointsToAlarm"] = 1; },
       "MetricAlarms[0].DatapointsToAlarm", "N of N"},
      {"a metric not cpu or requests", kStep, [](Json& j) { j["MetricAlarms"][1]["MetricName"] = "MemoryUtilization"; },
       "MetricAlarms[1].MetricName", "only CPUUtilization"},
      {"cpu maximum", kStep, [](Json& j) { j["MetricAlarms"][0]["Statistic"] = "Maximum"; }, "MetricAlarms[0].Statistic",
       "Average"},
      {"a percentile", kStep, [](Json& j) { j["MetricAlarms"][0]["ExtendedStatistic"] = "p90"; },
       "MetricAlarms[0].ExtendedStatistic", "percentile"},
      {"metric math", kStep,
       [](Json& j) {
         j["MetricAlarms"][0]["Metrics"] = Json::array({{{"Id", "m1"}}});
       },
       "MetricAlarms[0].Metrics", "metric math"},
      {"another group's cpu", kStep, [](Json& j) { j["MetricAlarms"][0]["Dimensions"][0]["Value"] = "other-asg"; },
       "MetricAlarms[0].Dimensions", "AutoScalingGroupName = web-asg"},
      {"actions disabled", kStep, [](Json& j) { j["MetricAlarms"][1]["ActionsEnabled"] = false; },
       "MetricAlarms[1].ActionsEnabled", "invokes no policy"},
      {"an anomaly band", kStep, [](Json& j) { j["MetricAlarms"][0]["ComparisonOperator"] = "GreaterThanUpperThreshold"; },
       "MetricAlarms[0].ComparisonOperator", "above or below"},
      {"overlapping steps", kStep,
       [](Json& j) { j["ScalingPolicies"][0]["StepAdjustments"][1]["MetricIntervalLowerBound"] = 10.0; },
       "ScalingPolicies[0].StepAdjustments[1].MetricIntervalLowerBound", "overlaps"},
      {"a scale-out step that removes", kStep,
       [](Json& j) { j["ScalingPolicies"][0]["StepAdjustments"][0]["ScalingAdjustment"] = -1; },
       "ScalingPolicies[0].StepAdjustments[0].ScalingAdjustment", "a scale-out policy adds machines"},
      {"bounds the wrong way round", kStep,
       [](Json& j) { j["ScalingPolicies"][1]["StepAdjustments"][0]["MetricIntervalLowerBound"] = 5.0; },
       "ScalingPolicies[1].StepAdjustments[0]", "not below the upper bound"},
      {"ExactCapacity", kStep, [](Json& j) { j["ScalingPolicies"][1]["AdjustmentType"] = "ExactCapacity"; },
       "ScalingPolicies[1].AdjustmentType", "ExactCapacity"},
      {"another warm-up", kStep, [](Json& j) { j["ScalingPolicies"][0]["EstimatedInstanceWarmup"] = 120; },
       "ScalingPolicies[0].EstimatedInstanceWarmup", "warmup_latency = 5"},
      {"an average over max", kStep, [](Json& j) { j["ScalingPolicies"][0]["MetricAggregationType"] = "Maximum"; },
       "ScalingPolicies[0].MetricAggregationType", "average"},
      {"two magnitudes", kStep,
       [](Json& j) {
         j["ScalingPolicies"][1]["AdjustmentType"] = "PercentChangeInCapacity";
         j["ScalingPolicies"][1]["MinAdjustmentMagnitude"] = 1;
       },
       "ScalingPolicies[1].MinAdjustmentMagnitude", "has one"},
      {"two scale-out policies", kStep, [](Json& j) { j["MetricAlarms"][1]["ComparisonOperator"] = "GreaterThanThreshold"; },
       "ScalingPolicies[1]", "a second scale-out policy"},
      {"scale-in above scale-out", kStep, [](Json& j) { j["MetricAlarms"][1]["Threshold"] = 80.0; },
       "MetricAlarms[1].Threshold", "below the scale-out alarm's"},
      {"an alarm not in the file", kStep, [](Json& j) { j["MetricAlarms"].erase(1); },
       "ScalingPolicies[1].Alarms[0].AlarmName", "describe-alarms --alarm-names 'web-cpu-low'"},
      {"a composite alarm", kStep,
       [](Json& j) {
         j["CompositeAlarms"] = Json::array({{{"AlarmName", "web-cpu-high"}}});
       },
       "ScalingPolicies[0].Alarms[0].AlarmName", "composite"},
      {"no group", kStep, [](Json& j) { j.erase("AutoScalingGroups"); }, "AutoScalingGroups",
       "describe-auto-scaling-groups --auto-scaling-group-names web-asg"},
      {"max above the fleet cap", kStep, [](Json& j) { j["AutoScalingGroups"][0]["MaxSize"] = 5000; },
       "AutoScalingGroups[0].MaxSize", "fleet cap of 833"},
      {"min above max", kStep, [](Json& j) { j["AutoScalingGroups"][0]["MinSize"] = 50; }, "AutoScalingGroups[0].MinSize",
       "exceeds MaxSize"},
      {"a warm pool", kStep,
       [](Json& j) {
         j["AutoScalingGroups"][0]["WarmPoolConfiguration"] = {{"PoolState", "Stopped"}};
       },
       "AutoScalingGroups[0].WarmPoolConfiguration", "warm pool"},
      {"launches suspended", kStep,
       [](Json& j) {
         j["AutoScalingGroups"][0]["SuspendedProcesses"] = Json::array({{{"ProcessName", "Launch"}}});
       },
       "AutoScalingGroups[0].SuspendedProcesses[0].ProcessName", "cannot scale out"},
      {"scale-in protection", kStep, [](Json& j) { j["AutoScalingGroups"][0]["NewInstancesProtectedFromScaleIn"] = true; },
       "AutoScalingGroups[0].NewInstancesProtectedFromScaleIn", "cannot terminate"},
      {"weighted instances", kTracking,
       [](Json& j) {
         j["AutoScalingGroups"][0]["MixedInstancesPolicy"]["LaunchTemplate"]["Overrides"][1]["WeightedCapacity"] = "2";
       },
       "AutoScalingGroups[0].MixedInstancesPolicy.LaunchTemplate.Overrides[1].WeightedCapacity", "alike"},
      {"a second group", kStep,
       [](Json& j) {
         j["AutoScalingGroups"].push_back(j["AutoScalingGroups"][0]);
         j["AutoScalingGroups"][1]["AutoScalingGroupName"] = "db-asg";
       },
       "AutoScalingGroups[1].AutoScalingGroupName", "the one group its policies are of"},
      {"an unknown field", kStep, [](Json& j) { j["ScalingPolicies"][0]["Foo"] = 1; }, "ScalingPolicies[0].Foo",
       "unknown field"},
      {"another type's field", kStep, [](Json& j) { j["ScalingPolicies"][0]["Cooldown"] = 60; },
       "ScalingPolicies[0].Cooldown", "not a field of a StepScaling policy"},
      {"a page of a paginated output", kStep, [](Json& j) { j["NextToken"] = "abc"; }, "NextToken", "--max-items"},
      {"calls beside describe outputs", kStep, [](Json& j) { j["PutScalingPolicy"] = Json::array(); }, "PutScalingPolicy",
       "either describe outputs or export's calls"},
      {"policies of two groups", kStep, [](Json& j) { j["ScalingPolicies"][1]["AutoScalingGroupName"] = "db-asg"; },
       "ScalingPolicies[1].AutoScalingGroupName", "one group's policies"},
      {"step beside target tracking", kStep,
       [](Json& j) {
         j["ScalingPolicies"].push_back(fixture(kTracking)["ScalingPolicies"][0]);
         j["ScalingPolicies"][2]["AutoScalingGroupName"] = "web-asg";
       },
       "ScalingPolicies[0]", "beside the target tracking policy ScalingPolicies[2]"},
      {"no scale-out policy", kSimple, [](Json& j) { j["ScalingPolicies"].erase(0); }, "ScalingPolicies", "no scale-out"},
      {"two cooldowns", kSimple, [](Json& j) { j["ScalingPolicies"][0]["Cooldown"] = 60; },
       "AutoScalingGroups[0].DefaultCooldown", "one cooldown"},
      {"a simple scale-in that adds", kSimple, [](Json& j) { j["ScalingPolicies"][1]["ScalingAdjustment"] = 1; },
       "ScalingPolicies[1].ScalingAdjustment", "below its threshold"},
      {"no scale-in", kTracking,
       [](Json& j) { j["ScalingPolicies"][0]["TargetTrackingConfiguration"]["DisableScaleIn"] = true; },
       "ScalingPolicies[0].TargetTrackingConfiguration.DisableScaleIn", "always scales in"},
      {"network bytes", kTracking,
       [](Json& j) {
         j["ScalingPolicies"][0]["TargetTrackingConfiguration"]["PredefinedMetricSpecification"] = {
             {"PredefinedMetricType", "ASGAverageNetworkIn"}};
       },
       "ScalingPolicies[0].TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType", "network"},
      {"a target tracking target out of range", kTracking,
       [](Json& j) { j["ScalingPolicies"][0]["TargetTrackingConfiguration"]["TargetValue"] = 1.0; },
       "ScalingPolicies[0].TargetTrackingConfiguration.TargetValue", "0.01 to 10"},
      {"two target tracking policies", kTracking, [](Json& j) { j["ScalingPolicies"].push_back(j["ScalingPolicies"][0]); },
       "ScalingPolicies[1]", "a second target tracking policy"},
      // No warm-up set anywhere: AWS uses the group's DefaultCooldown.
      {"warm-up from the cooldown", kTracking,
       [](Json& j) {
         j["AutoScalingGroups"][0].erase("DefaultInstanceWarmup");
         j["AutoScalingGroups"][0]["DefaultCooldown"] = 600;
       },
       "AutoScalingGroups[0].DefaultCooldown", "a warm-up of 600 s"},
      {"predictive alone", kPredictive, [](Json& j) { j["ScalingPolicies"].erase(0); }, "ScalingPolicies[0]",
       "without a target tracking policy"},
      {"a buffer shorter than the warm-up", kPredictive,
       [](Json& j) { j["ScalingPolicies"][1]["PredictiveScalingConfiguration"]["SchedulingBufferTime"] = 120; },
       "ScalingPolicies[1].PredictiveScalingConfiguration.SchedulingBufferTime", "whole minutes ahead"},
      {"raising the max", kPredictive,
       [](Json& j) {
         j["ScalingPolicies"][1]["PredictiveScalingConfiguration"]["MaxCapacityBreachBehavior"] = "IncreaseMaxCapacity";
       },
       "ScalingPolicies[1].PredictiveScalingConfiguration.MaxCapacityBreachBehavior", "MaxSize"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    try {
      import_aws(patched(row.base, row.change), "my.json", kService);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("my.json: " + row.path + ": ")) << e.what();
      EXPECT_THAT(e.what(), HasSubstr(row.why)) << e.what();
    }
  }
  try {
    import_aws("{\"ScalingPolicies\": [", "my.json", kService);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("my.json: byte "));
  }
}

// Export writes what import reads back as the same spec, episode by episode the same profits.
TEST(AwsPolicies, ExportThenImportGivesTheSameSpecAndTheSameEpisodes) {
  const Scenario scenario = resolve_scenario("seed");
  struct Row {
    std::string spec;
    std::string from;  // "" = a document from scratch for group "web"
  };
  const std::vector<Row> rows = {
      {"target-tracking:target=0.55," + kTrackingKeys + ",min=2,max=90", ""},
      {"step:high=0.71234,low=0.33,out_points=2,in_points=12,min_step=2,out=0>10pct|0.05>20pct|0.3>60pct,in=0>5pct|0.2>"
       "20pct,"
       "min=3,max=200",
       ""},
      {"step:high=0.8,low=0.4,out_points=1,in_points=5,min_step=1,out=0>1|0.1>3,in=0>1,min=1,max=833", ""},
      {"step:high=0.65,low=0,out_points=1,in_points=1,min_step=1,out=0>10pct|0.1>20pct,in=0>0,min=1,max=100", ""},
      {"simple:high=0.8,low=0.3,out_points=3,in_points=15,min_step=0,out=30pct,in=10pct,cooldown=120,min=2,max=50", ""},
      {"simple:high=0.75,low=0.25,out_points=2,in_points=10,min_step=1,out=2,in=1,cooldown=300,min=1,max=20", ""},
      // The operator's own, tuned: their policies updated in place.
      {"step:high=0.6789,low=0.41,out_points=3,in_points=7,min_step=2,out=0>10pct|0.15>30pct,in=0>1|0.1>2,min=2,max=40",
       kStep},
      {"simple:high=0.81,low=0.2,out_points=3,in_points=15,min_step=1,out=2,in=1,cooldown=90,min=1,max=20", kSimple},
      {"target-tracking:target=0.4321," + kTrackingKeys + ",min=2,max=60", kTracking},
      // On the group and metric of an original of another type (180 requests a target a minute).
      {"step:high=0.7,low=0.31,out_points=1,in_points=5,min_step=1,out=0>10pct|0.1>20pct,in=0>10pct,min=2,max=60",
       kTracking},
      {"target-tracking:target=0.45," + kTrackingKeys + ",min=2,max=50", kPredictive},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.spec + (row.from.empty() ? "" : " from " + row.from));
    const std::string text =
        export_aws(row.spec, {row.from.empty() ? "web" : "", row.from.empty() ? "" : fixture_path(row.from)}, kService);
    const ImportedAws back = import_aws(text, "exported.json", kService);
    EXPECT_EQ(back.spec, row.spec) << text;
    const auto runs = run_policies(scenario, {parse_policy_spec(row.spec), parse_policy_spec(back.spec)}, 5000000, 2, 2);
    ASSERT_EQ(runs.size(), 2u);
    for (std::size_t e = 0; e < runs[0].episodes.size(); ++e) {
      EXPECT_EQ(runs[0].episodes[e].profit, runs[1].episodes[e].profit) << e;
    }
  }
  // Each fixture's own spec exported onto it reads back as itself.
  for (const char* f : {kStep, kSimple, kTracking}) {
    SCOPED_TRACE(f);
    const std::string spec = import_aws_file(fixture_path(f), kService).spec;
    EXPECT_EQ(import_aws(export_aws(spec, {"", fixture_path(f)}, kService), "x.json", kService).spec, spec);
  }
}

TEST(AwsPolicies, ExportFromTheOriginalKeepsItsFields) {
  const Json step = Json::parse(export_aws("step:high=0.72,in_points=8", {"", fixture_path(kStep)}, kService));
  EXPECT_EQ(step["UpdateAutoScalingGroup"],
            Json::parse(R"({"AutoScalingGroupName": "web-asg", "MinSize": 2, "MaxSize": 40, "DefaultCooldown": 300})"));
  ASSERT_EQ(step["PutScalingPolicy"].size(), 2u);
  EXPECT_EQ(step["PutScalingPolicy"][0]["PolicyName"], "web-scale-out");
  EXPECT_FALSE(step["PutScalingPolicy"][0].contains("PolicyARN"));  // describe's, not put's
  EXPECT_FALSE(step["PutScalingPolicy"][0].contains("Alarms"));
  EXPECT_EQ(step["PutScalingPolicy"][0]["MinAdjustmentMagnitude"], 2);
  const Json& high = step["PutMetricAlarm"][0];
  EXPECT_EQ(high["AlarmName"], "web-cpu-high");
  EXPECT_EQ(high["Threshold"], 72.0);
  EXPECT_EQ(high["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
  EXPECT_EQ(high["TreatMissingData"], "missing");
  EXPECT_EQ(high["AlarmActions"][1], "arn:aws:sns:us-east-1:123456789012:ops-pager");  // their pager stays
  EXPECT_FALSE(high.contains("StateValue"));
  EXPECT_FALSE(high.contains("AlarmArn"));
  const Json& low = step["PutMetricAlarm"][1];
  EXPECT_EQ(low["EvaluationPeriods"], 8);
  EXPECT_FALSE(low.contains("DatapointsToAlarm"));  // absent in theirs: EvaluationPeriods
  EXPECT_EQ(low["Threshold"], 30.0);

  // Target tracking on the ALB: ResourceLabel kept, 0.55 of 300 requests a minute, no empty
  // StepAdjustments (describe's) in the input.
  const Json tt = Json::parse(export_aws("target-tracking:target=0.55", {"", fixture_path(kTracking)}, kService));
  const Json& p = tt["PutScalingPolicy"][0];
  EXPECT_EQ(p["PolicyName"], "alb180-target-tracking");
  EXPECT_EQ(p["TargetTrackingConfiguration"]["TargetValue"], 165.0);
  EXPECT_EQ(p["TargetTrackingConfiguration"]["PredefinedMetricSpecification"]["ResourceLabel"],
            "app/shop-alb/778d41231b141a0f/targetgroup/shop-tg/943f017f100becff");
  EXPECT_FALSE(p.contains("StepAdjustments"));
  EXPECT_EQ(tt["UpdateAutoScalingGroup"]["DefaultInstanceWarmup"], 300);
  EXPECT_FALSE(tt.contains("PutMetricAlarm"));  // AWS makes target tracking's alarms

  // Beside a predictive policy, its target tracking policy is the one updated.
  const Json pt = Json::parse(export_aws("target-tracking:target=0.45", {"", fixture_path(kPredictive)}, kService));
  EXPECT_EQ(pt["PutScalingPolicy"][0]["PolicyName"], "cpu50-target-tracking");
  EXPECT_EQ(pt["PutScalingPolicy"][0]["TargetTrackingConfiguration"]["CustomizedMetricSpecification"]["Unit"], "Percent");
  EXPECT_EQ(pt["PutScalingPolicy"][0]["TargetTrackingConfiguration"]["TargetValue"], 45.0);

  // Another type on their group: new policies and alarms on their metric, named after the group.
  const Json st = Json::parse(export_aws("step", {"", fixture_path(kTracking)}, kService));
  EXPECT_EQ(st["PutScalingPolicy"][0]["PolicyName"], "shop-asg-step-scale-out");
  EXPECT_EQ(st["PutMetricAlarm"][0]["MetricName"], "RequestCountPerTarget");
  EXPECT_EQ(st["PutMetricAlarm"][0]["Dimensions"][0]["Value"], "targetgroup/shop-tg/943f017f100becff");
  EXPECT_EQ(st["PutMetricAlarm"][0]["Threshold"], 195.0);  // 0.65 of 300
  EXPECT_THAT(st["PutMetricAlarm"][0]["AlarmActions"][0].get<std::string>(),
              HasSubstr(":autoScalingGroupName/shop-asg:policyName/shop-asg-step-scale-out"));
  EXPECT_EQ(st["UpdateAutoScalingGroup"]["MaxSize"], 60);  // their group's bounds stay

  // The apply commands put each policy, then its alarms with the ARN it returned.
  const std::string doc = export_aws("step", {"web", ""}, kService);
  const std::string cmds = aws_apply_commands(doc, "my file.json");
  EXPECT_THAT(cmds,
              HasSubstr("update-auto-scaling-group --cli-input-json \"$(jq -c .UpdateAutoScalingGroup 'my file.json')\""));
  EXPECT_THAT(cmds, HasSubstr("arn=$(aws autoscaling put-scaling-policy --cli-input-json \"$(jq -c '.PutScalingPolicy[0]'"));
  EXPECT_THAT(cmds, HasSubstr("endswith(\":policyName/web-step-scale-out\")"));
}

TEST(AwsPolicies, WhatAwsCannotSayIsNotExported) {
  struct Row {
    std::string spec;
    std::string from;
    std::string why;
  };
  const std::vector<Row> rows = {
      {"target-tracking:in_points=10", "", "AWS makes a target tracking policy's alarms itself"},
      {"target-tracking:out_points=2,in_step=0.2", "", "out_points=2, in_step=0.2"},
      {"predictive", "", "AWS predictive scaling forecasts with its own model"},
      {"step:out=0>12.5pct", "", "whole percentages"},
      {"step:out=0>1|0.1>20pct", "", "mixes machine counts and percentages"},
      {"headroom", "", "only target-tracking, step and simple"},
      {"step:low=0", fixture_path(kStep), "'web-scale-in' would keep doing so"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.spec);
    try {
      export_aws(row.spec, {row.from.empty() ? "web" : "", row.from}, kService);
      ADD_FAILURE() << "exported";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(row.why)) << e.what();
    }
  }
  EXPECT_THROW(export_aws("step", {"", ""}, kService), Error);  // no group name
}

TEST(AwsPolicies, JsonFilesAreAwsSpecs) {
  EXPECT_TRUE(is_aws_spec("@a/b.json"));
  EXPECT_FALSE(is_aws_spec("@b.yaml"));
  EXPECT_FALSE(is_aws_spec("@.json"));
  EXPECT_FALSE(is_aws_spec("step:high=0.7"));
  EXPECT_EQ(expand_manifest_spec("@" + fixture_path(kStep), kService), kStepSpec);
}

}  // namespace
}  // namespace autoscale::formats
