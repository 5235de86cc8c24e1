#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "core/error.hpp"
#include "scenario/scenario.hpp"
#include "service/outcome.hpp"

namespace autoscale {
namespace {

std::string error_of(const std::string& toml) {
  try {
    parse_scenario_toml(toml, "test.toml", AUTOSCALE_SOURCE_DIR);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Scenario, BuiltinsUseTheSeedDefaults) {
  const Scenario s = resolve_scenario("seed");
  EXPECT_EQ(s.service.warmup_latency, 5);
  EXPECT_EQ(s.service.max_machines(), 833);
  EXPECT_EQ(s.service.episode_steps(), 10001);
  EXPECT_EQ(s.load.kind, LoadKind::kNotebook);
  EXPECT_EQ(resolve_scenario("seed-weekly").load.kind, LoadKind::kNotebookWeekly);
}

TEST(Scenario, ParsesEveryServiceKey) {
  const Scenario s = parse_scenario_toml(R"(
name = "custom"
[service]
warmup_latency = 3
tpm_per_machine = 250.0
tpm_sigma = 10
machine_cost = 0.1
transaction_val = 1.2
downtime_cost = 100
downtime_percent = 99.9
initial_machines = 20
max_time_steps = 999
max_machine_delta = 5
[load]
kind = "seed-weekly"
weekend_factor = 0.5
)",
                                         "x.toml", ".");
  EXPECT_EQ(s.name, "custom");
  EXPECT_EQ(s.service.warmup_latency, 3);
  EXPECT_DOUBLE_EQ(s.service.tpm_per_machine, 250);
  EXPECT_DOUBLE_EQ(s.service.tpm_sigma, 10);
  EXPECT_DOUBLE_EQ(s.service.machine_cost, 0.1);
  EXPECT_DOUBLE_EQ(s.service.transaction_val, 1.2);
  EXPECT_DOUBLE_EQ(s.service.downtime_cost, 100);
  EXPECT_DOUBLE_EQ(s.service.downtime_percent, 99.9);
  EXPECT_EQ(s.service.initial_machines, 20);
  EXPECT_EQ(s.service.max_time_steps, 999);
  EXPECT_EQ(s.service.max_machine_delta, 5);
  EXPECT_DOUBLE_EQ(s.load.weekly.weekend_factor, 0.5);
  EXPECT_EQ(s.make_env().obs_dim(), 23);
}

TEST(Scenario, BadInputNamesFileLineAndKey) {
  EXPECT_NE(error_of("[service]\nwarmup_lateny = 3\n").find("test.toml:2: [service] has unknown key 'warmup_lateny'"),
            std::string::npos);
  EXPECT_NE(error_of("[service]\n\nwarmup_latency = 0\n").find("test.toml:3: [service].warmup_latency 0 is out of range"),
            std::string::npos);
  EXPECT_NE(error_of("[service]\nwarmup_latency = 2.5\n").find("[service].warmup_latency must be an integer"),
            std::string::npos);
  EXPECT_NE(error_of("[service]\ndowntime_percent = 101\n").find("downtime_percent 101 is out of range"),
            std::string::npos);
  EXPECT_NE(error_of("[service]\ntpm_per_machine = 0\n").find("must be >"), std::string::npos);
  EXPECT_NE(error_of("[service]\nmachine_cost = \"cheap\"\n").find("machine_cost must be a number"), std::string::npos);
  EXPECT_NE(error_of("[servic]\n").find("unknown top-level key or table 'servic'"), std::string::npos);
  EXPECT_NE(error_of("[load]\nkind = \"sine\"\n").find("test.toml:2: [load].kind 'sine' is unknown"), std::string::npos);
  EXPECT_NE(error_of("[load]\nkind = \"trace\"\n").find("needs path"), std::string::npos);
  EXPECT_NE(error_of("[load]\nkind = \"seed\"\nweekend_factor = 0.5\n").find("unknown key 'weekend_factor'"),
            std::string::npos);
  EXPECT_NE(error_of("[service]\ninitial_machines = 900\n").find("exceeds the fleet cap"), std::string::npos);
  EXPECT_NE(error_of("[service\n").find("test.toml:1:"), std::string::npos);
  EXPECT_NE(error_of("[load]\nkind = \"trace\"\npath = \"x.csv\"\nscale = 2\nscale_to_p99 = 5000\n").find("not both"),
            std::string::npos);
}

TEST(Scenario, UnknownNameListsBuiltins) {
  try {
    resolve_scenario("nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("seed, seed-weekly"), std::string::npos);
  }
}

TEST(Scenario, ShippedScenarioFilesLoad) {
  for (const char* f : {"seed.toml", "seed-weekly.toml", "seed-events.toml", "nasa.toml", "worldcup.toml"}) {
    const Scenario s = load_scenario_file(std::string(AUTOSCALE_SOURCE_DIR) + "/scenarios/" + f);
    Env env = s.make_env();
    env.reset(1);
    std::int64_t total = 0;
    for (int m = 0; m < 1000; ++m) total += env.step({}).info.load;
    EXPECT_GT(total, 0) << f;
  }
}

// The synthetic scenario files spell out their built-in's constants: the same loads, minute by minute.
TEST(Scenario, ShippedSyntheticFilesAreTheirBuiltIns) {
  for (const char* name : {"seed", "seed-weekly", "seed-events"}) {
    Env file = load_scenario_file(std::string(AUTOSCALE_SOURCE_DIR) + "/scenarios/" + name + ".toml").make_env();
    Env builtin = resolve_scenario(name).make_env();
    file.reset(9);
    builtin.reset(9);
    for (int m = 0; m < 5000; ++m) ASSERT_EQ(file.step({}).info.load, builtin.step({}).info.load) << name << " minute " << m;
  }
}

// The CSV's own numbers, read here line by line: minute m of an episode starting at `start` is
// row start + m, times the scale, rounded.
std::vector<double> nasa_requests() {
  std::ifstream in(std::string(AUTOSCALE_SOURCE_DIR) + "/data/traces/nasa_1995_07.csv");
  std::vector<double> v;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) v.push_back(std::stod(line.substr(line.find(',') + 1)));
  return v;
}

TEST(Scenario, TraceScenarioReplaysTheScaledTrace) {
  const auto csv = nasa_requests();
  ASSERT_EQ(csv.size(), 39'692u);
  const Scenario s = parse_scenario_toml(
      "[load]\nkind = \"trace\"\npath = \"data/traces/nasa_1995_07.csv\"\nscale = 2.5\nstart = 1440\n", "t.toml",
      AUTOSCALE_SOURCE_DIR);
  Env env = s.make_env();
  env.reset(1);
  for (std::size_t m = 0; m < 2000; ++m) {
    ASSERT_EQ(env.step({}).info.load, std::llround(csv[1440 + m] * 2.5)) << "minute " << m + 1;
  }
  // scale_to_p99: the scaled series' 99th percentile (interpolated, as numpy's) is the target.
  const Scenario p = load_scenario_file(std::string(AUTOSCALE_SOURCE_DIR) + "/scenarios/nasa.toml");
  std::vector<double> sorted = csv;
  std::sort(sorted.begin(), sorted.end());
  const double pos = 0.99 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const double p99 = sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (pos - static_cast<double>(lo));
  ASSERT_EQ(p.load.series->tpm.size(), csv.size());
  for (std::size_t i = 0; i < csv.size(); i += 997) EXPECT_NEAR(p.load.series->tpm[i], csv[i] * 8800 / p99, 1e-9) << i;
}

}  // namespace
}  // namespace autoscale

namespace autoscale {
namespace {

Scenario nasa_with(const std::string& extra_load, const std::string& service = "") {
  return parse_scenario_toml("[service]\n" + service + "\n[load]\nkind = \"trace\"\npath = \"data/traces/nasa_1995_07.csv\"\n" + extra_load,
                             "t.toml", AUTOSCALE_SOURCE_DIR);
}

// from/to cut the file, by minute index or by timestamp, and the clock follows.
TEST(ScenarioTrace, FromAndToSelectARangeOfTheFile) {
  const auto csv = nasa_requests();
  const Scenario a = nasa_with("from = 1440\nto = 4320\n", "max_time_steps = 1439");
  ASSERT_EQ(a.load.series->tpm.size(), 2880u);
  EXPECT_EQ(a.load.series->tpm[0], csv[1440]);
  EXPECT_EQ(*a.load.series->start_epoch_seconds, 804571200 + 1440 * 60);
  const Scenario b = nasa_with("from = \"1995-07-02T00:00:00-04:00\"\nto = \"1995-07-04T00:00:00-04:00\"\n", "max_time_steps = 1439");
  EXPECT_EQ(b.load.series->tpm, a.load.series->tpm);
  EXPECT_THROW(nasa_with("from = 4320\nto = 1440\n"), Error);
  EXPECT_THROW(nasa_with("to = \"2001-01-01T00:00:00Z\"\n"), Error);
}

// Shipped traces: a zero-load minute is a quiet or unlogged minute, not an outage; the seed keeps
// its own rule. Either is the scenario's choice.
TEST(ScenarioTrace, ZeroLoadIsDownOnlyWhereTheScenarioSaysSo) {
  EXPECT_TRUE(resolve_scenario("seed").service.zero_load_is_down);
  EXPECT_FALSE(nasa_with("").service.zero_load_is_down);
  EXPECT_TRUE(nasa_with("", "zero_load_is_down = true").service.zero_load_is_down);
  ServiceParams p;
  p.zero_load_is_down = false;
  EXPECT_FALSE(minute_outcome(p, 0, 0, 3, 0).down);
  EXPECT_DOUBLE_EQ(minute_outcome(p, 0, 0, 3, 0).reward, -0.15);
  p.zero_load_is_down = true;
  EXPECT_TRUE(minute_outcome(p, 0, 0, 3, 0).down);
}

// The past/future split: the past is the first 75 %, the future's episodes may reach back into it
// for history only, and the scale comes from the past alone.
TEST(ScenarioTrace, SplitKeepsTheFutureOutOfThePast) {
  const Scenario s = nasa_with("scale_to_p99 = 8800\n");
  const TraceSplit split = split_trace_scenario(s, 0.75, 1440, 1440);
  const auto n = static_cast<std::int64_t>(s.load.series->tpm.size());
  EXPECT_EQ(split.split_minute, n * 3 / 4);
  EXPECT_EQ(static_cast<std::int64_t>(split.past.load.series->tpm.size()), split.split_minute);
  EXPECT_EQ(static_cast<std::int64_t>(split.future.load.series->tpm.size()), n - split.split_minute + 1440);
  EXPECT_EQ(split.future.service.history_minutes, 1440);
  // A day of history, then a whole scored day.
  EXPECT_EQ(split.future.service.episode_steps(), 2880);
  std::vector<double> past = split.past.load.series->tpm;
  EXPECT_NEAR(trace_quantile(past, 0.99), 8800, 1e-6);
  // The same factor on both sides: the future's minutes are the file's times the past's factor.
  const double factor = split.past.load.series->tpm[100] / nasa_requests()[100];
  EXPECT_NEAR(split.future.load.series->tpm[1440] / nasa_requests()[split.split_minute], factor, 1e-9);
  EXPECT_THROW(split_trace_scenario(s, 0.999, 1440, 1440), Error);
  EXPECT_THROW(split_trace_scenario(resolve_scenario("seed"), 0.75, 1440, 1440), Error);
}

// `FILE#past` and `FILE#future` name the parts of `autoscale run`'s default split, so its steps can
// be repeated one command at a time; a suffix on a synthetic scenario or a missing file is an error.
TEST(ScenarioTrace, PastAndFutureSuffixesNameTheRunsSplit) {
  const std::string file = std::string(AUTOSCALE_SOURCE_DIR) + "/scenarios/nasa.toml";
  const TraceSplit split = split_trace_scenario(load_scenario_file(file), SplitDefaults::past_fraction,
                                                SplitDefaults::history_minutes, SplitDefaults::scored_minutes);
  const Scenario past = resolve_scenario(file + "#past"), future = resolve_scenario(file + "#future");
  EXPECT_EQ(past.load.series->tpm, split.past.load.series->tpm);
  EXPECT_EQ(future.load.series->tpm, split.future.load.series->tpm);
  EXPECT_NE(past.load.series->tpm.size(), future.load.series->tpm.size());
  EXPECT_EQ(future.service.history_minutes, 1440);
  EXPECT_EQ(resolve_weighted_scenario(file + "#past:2").weight, 2.0);
  EXPECT_THROW(resolve_scenario(file + "#later"), Error);
  EXPECT_THROW(resolve_scenario(file + ".missing#past"), Error);
}

// Training-distribution randomization: each episode's level is a factor from the range, chosen by
// the load seed alone.
TEST(ScenarioTrace, RandomScaleMultipliesEachEpisodeByAFactorFromItsRange) {
  const Scenario plain = nasa_with("start = 0\n");
  const Scenario scaled = nasa_with("start = 0\nrandom_scale = [0.5, 4]\n");
  auto a = plain.make_load(), b = scaled.make_load();
  std::vector<double> factors;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    a->reset(seed);
    b->reset(seed);
    double sa = 0, sb = 0;
    for (int m = 0; m < 600; ++m) sa += static_cast<double>(a->next()), sb += static_cast<double>(b->next());
    factors.push_back(sb / sa);
    EXPECT_GE(factors.back(), 0.5 - 0.01);
    EXPECT_LE(factors.back(), 4 + 0.01);
  }
  EXPECT_GT(*std::max_element(factors.begin(), factors.end()) / *std::min_element(factors.begin(), factors.end()), 2.0);
  b->reset(3);
  const auto first = b->next();
  b->reset(3);
  EXPECT_EQ(b->next(), first);
  EXPECT_THROW(nasa_with("random_scale = [2, 1]\n"), Error);
}

}  // namespace
}  // namespace autoscale
