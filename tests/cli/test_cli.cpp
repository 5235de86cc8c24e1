#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <vector>
#include "cli_run.hpp"

namespace {

using autoscale::testing::CliRun;
using autoscale::testing::Stderr;

// The CLI with `args`: stdout (stderr merged when asked).
CliRun cli(const std::string& args, bool merge_stderr = false) {
  return autoscale::testing::run_cli(args, merge_stderr ? Stderr::kMerge : Stderr::kDrop);
}

TEST(Cli, SimulatePrintsAJsonSummaryAndWritesTheTrace) {
  const auto dir = std::filesystem::temp_directory_path() / ("autoscale_cli_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto trace = dir / "trace.csv";
  const CliRun r = cli("simulate --scenario seed --seed 5 --episodes 2 --minutes 100 --policy static:30 --threads 2 "
                    "--trace-out " + trace.string());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["episodes"], 2);
  ASSERT_EQ(j["policies"][0]["episodes"].size(), 2u);
  const auto& e = j["policies"][0]["episodes"][1];
  EXPECT_EQ(e["seed"], 6);
  EXPECT_EQ(e["minutes"], 100);
  for (const char* k : {"profit", "downtime_minutes", "availability", "machine_minutes", "failed", "served"}) {
    EXPECT_TRUE(e.contains(k)) << k;
  }
  EXPECT_GT(j["steps_per_second"].get<double>(), 0);
  std::ifstream in(trace);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "policy,episode,minute,load,capacity,active,warming,failed,down,add,remove,reward");
  int rows = 0;
  double reward_sum = 0;
  for (std::string line; std::getline(in, line); ++rows) {
    reward_sum += std::stod(line.substr(line.rfind(',') + 1));
  }
  EXPECT_EQ(rows, 200);
  const double profit = j["policies"][0]["episodes"][0]["profit"].get<double>() + e["profit"].get<double>();
  EXPECT_NEAR(reward_sum, profit, 0.01 * rows);
  std::filesystem::remove_all(dir);
}

TEST(Cli, SameSeedSameOutputWhateverTheThreads) {
  const CliRun a = cli("simulate --seed 3 --episodes 3 --minutes 500 --threads 1");
  const CliRun b = cli("simulate --seed 3 --episodes 3 --minutes 500 --threads 2");
  ASSERT_EQ(a.code, 0);
  auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  EXPECT_EQ(ja["policies"], jb["policies"]);
}

TEST(Cli, ErrorsAreOneLineAndNonZero) {
  for (const char* args : {"simulate --scenario nope", "simulate --policy static:abc", "simulate --policy fancy",
                           "simulate --episodes 0", "frobnicate"}) {
    const CliRun r = cli(args, true);
    EXPECT_NE(r.code, 0) << args;
    EXPECT_FALSE(r.out.empty()) << args;
  }
  const auto bad = std::filesystem::temp_directory_path() / ("autoscale_bad_model_" + std::to_string(getpid()));
  std::ofstream(bad) << "{\"format\": \"autoscale-model\", \"version\": 1, \"payl";
  for (const std::string& args : std::vector<std::string>{"simulate --minutes 10 --policy ppo:" + bad.string(),
                                 "evaluate --episodes 1 --policies noop --json /dev/null/x.json",
                                 "train --steps 100 --out /tmp/autoscale_nowhere --resume"}) {
    const CliRun e = cli(args + " 2>&1 >/dev/null", false);
    EXPECT_NE(e.code, 0) << args;
  }
  const CliRun corrupt = cli("simulate --minutes 10 --policy ppo:" + bad.string(), true);
  EXPECT_EQ(corrupt.out.rfind("autoscale: error: " + bad.string() + ": not a valid autoscale model: corrupt or truncated", 0), 0u)
      << corrupt.out;
  std::filesystem::remove(bad);
  const CliRun r = cli("simulate --policy fancy", true);
  EXPECT_EQ(r.out.rfind("autoscale: error: unknown policy 'fancy' (known: noop, static, hpa, target-tracking, step, simple, predictive, headroom, oracle, oracle-load, oracle-window, ppo)", 0), 0u)
      << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
}

// 1 when a command fails, 2 when it was called wrongly; both say why on stderr in words.
TEST(Cli, ExitCodesSeparateUsageErrorsFromFailures) {
  for (const char* args : {"simulate --episodes 0", "simulate --bogus", "frobnicate", "evaluate --threads x",
                           "simulate --json - --trace-out -"}) {
    EXPECT_EQ(cli(args).code, 2) << args;
  }
  for (const char* args : {"simulate --scenario nope", "simulate --policy fancy", "evaluate --episodes 1 --policies noop --json /dev/null/x.json"}) {
    EXPECT_EQ(cli(args).code, 1) << args;
  }
  const CliRun range = cli("simulate --episodes 0", true);
  EXPECT_NE(range.out.find("--episodes: must be at least 1, got 0"), std::string::npos) << range.out;
  EXPECT_EQ(range.out.find("179769"), std::string::npos) << range.out;
}

// "-" is stdout wherever a file is written; the human table then moves to stderr.
TEST(Cli, DashWritesMachineOutputToStdout) {
  const CliRun e = cli("evaluate --scenario seed --seed 3 --episodes 2 --policies noop,static:40 --json -");
  ASSERT_EQ(e.code, 0) << e.out;
  const auto j = nlohmann::json::parse(e.out);
  EXPECT_EQ(j["policies"].size(), 2u);
  const CliRun t = cli("simulate --minutes 5 --episodes 2 --policy static:40 --json /dev/null --trace-out -");
  ASSERT_EQ(t.code, 0) << t.out;
  EXPECT_EQ(t.out.rfind("policy,episode,minute,", 0), 0u) << t.out;
  EXPECT_EQ(std::count(t.out.begin(), t.out.end(), '\n'), 1 + 2 * 5);
  const CliRun s = cli("tune --policy headroom --episodes 1 --budget 2 --out -");
  ASSERT_EQ(s.code, 0) << s.out;
  EXPECT_NE(s.out.find("\nheadroom"), std::string::npos) << s.out;
}

// One episode has no spread, so no interval: the JSON says null and the table says so.
TEST(Cli, OneEpisodeHasNoConfidenceInterval) {
  const CliRun e = cli("evaluate --seed 3 --episodes 1 --policies noop,static:40 --json -");
  ASSERT_EQ(e.code, 0) << e.out;
  const auto j = nlohmann::json::parse(e.out);
  EXPECT_TRUE(j["policies"][0]["profit_ci95"].is_null());
  EXPECT_TRUE(j["policies"][0]["vs_best_other"]["ci95"].is_null());
  const CliRun table = cli("evaluate --seed 3 --episodes 1 --policies noop,static:40", true);
  EXPECT_NE(table.out.find("(no CI)"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("± 0"), std::string::npos) << table.out;
}

TEST(Cli, HelpOnEveryCommand) {
  for (const char* c : {"--help", "simulate --help", "run --help", "evaluate --help", "tune --help", "serve --help", "replay --help"}) {
    const CliRun r = cli(c);
    EXPECT_EQ(r.code, 0) << c;
    EXPECT_NE(r.out.find("--"), std::string::npos) << c;
  }
}

TEST(Cli, EvaluateWritesJsonWithCisAndOracleRatios) {
  const auto dir = std::filesystem::temp_directory_path() / ("autoscale_eval_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto json = dir / "eval.json";
  const CliRun r = cli("evaluate --scenario seed --seed 7 --episodes 3 --threads 2 --policies "
                       "oracle,oracle-load,headroom:factor=1.5,reserve=1000,static:40 --json " + json.string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("| headroom:factor=1.5,reserve=1000"), std::string::npos) << r.out;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  ASSERT_EQ(j["policies"].size(), 4u);
  for (const auto& p : j["policies"]) {
    ASSERT_EQ(p["episode_profits"].size(), 3u);
    double mean = 0;
    for (const auto& e : p["episode_profits"]) mean += e.get<double>() / 3;
    EXPECT_NEAR(p["mean_profit"].get<double>(), mean, 1e-6);
    // Student's t with 2 degrees of freedom: 4.303 sd / sqrt(3) either side of the mean.
    const double half = 4.303 * p["profit_sd"].get<double>() / std::sqrt(3.0);
    EXPECT_GT(half, 0) << p["policy"];
    EXPECT_NEAR(p["profit_ci95"][0].get<double>(), mean - half, 1e-6 * std::abs(mean) + 1e-6) << p["policy"];
    EXPECT_NEAR(p["profit_ci95"][1].get<double>(), mean + half, 1e-6 * std::abs(mean) + 1e-6) << p["policy"];
    EXPECT_LE(p["pct_of_oracle"].get<double>(), 100.0 + 1e-9) << p["policy"];
  }
  EXPECT_EQ(j["policies"][2]["vs_best_other"]["policy"], "static:40");
  std::filesystem::remove_all(dir);
}

TEST(Cli, TunePrintsTheBestSpecLastAndWritesIt) {
  const auto out = std::filesystem::temp_directory_path() / ("autoscale_tune_" + std::to_string(getpid()) + ".spec");
  const CliRun r = cli("tune --policy headroom --scenario seed --seed 1 --episodes 2 --budget 6 --threads 2 --out " +
                       out.string());
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
  EXPECT_EQ(last.rfind("headroom", 0), 0u) << last;
  const CliRun e = cli("simulate --minutes 100 --policy @" + out.string());
  EXPECT_EQ(e.code, 0) << e.out;
  std::filesystem::remove(out);
}

// The operator's workflow on a trace: tune and train on the past, evaluate on the future, with
// everything written under --out. Tiny budgets: this checks the plumbing, not the numbers.
TEST(Cli, RunOnATraceSplitsItTunesTrainsAndEvaluatesOnTheFuture) {
  const auto dir = std::filesystem::temp_directory_path() / ("autoscale_run_trace_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto scenario = dir / "nasa-week.toml";
  std::ofstream(scenario) << "name = \"nasa-week\"\n[load]\nkind = \"trace\"\npath = \"" << AUTOSCALE_SOURCE_DIR
                          << "/data/traces/nasa_1995_07.csv\"\nscale_to_p99 = 8800\nto = 10080\n";
  // A training config of one's own: its settings are trained with, and its residual stands on the
  // best policy tuned here, whatever base_policy the file names.
  const auto cfg = dir / "small.toml";
  std::ofstream(cfg) << "[ppo]\npreset = \"trace\"\nhidden = [16, 8]\nbase_policy = \"static:37\"\n";
  const CliRun r = cli("run --scenario " + scenario.string() + " --out " + (dir / "out").string() +
                           " --steps 8192 --episodes 3 --tune-budget 2 --tune-episodes 2 --history-minutes 60"
                           " --episode-minutes 120 --threads 2 --config " + cfg.string(),
                       true);
  ASSERT_EQ(r.code, 0) << r.out;
  {
    std::ifstream conf(dir / "out" / "config.toml");
    const std::string text((std::istreambuf_iterator<char>(conf)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("hidden = [16, 8]"), std::string::npos) << text;
    EXPECT_EQ(text.find("base_policy = \"static:37\""), std::string::npos) << text;
    const auto at = r.out.find("residual on ");
    ASSERT_NE(at, std::string::npos) << r.out;
    const std::string base = r.out.substr(at + 12, r.out.find(')', at) - at - 12);
    EXPECT_NE(text.find("base_policy = \"" + base + "\""), std::string::npos) << base << "\n" << text;
  }
  EXPECT_NE(r.out.find("past: 1995-07-01T04:00:00Z .. "), std::string::npos) << r.out;
  for (const char* f : {"best", "model", "progress.csv", "evaluation.json", "traces.csv", "report.html"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "out" / f)) << f;
  }
  for (const char* p : {"hpa", "target-tracking", "step", "simple", "predictive", "headroom"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "out" / "baselines" / (std::string(p) + ".spec"))) << p;
  }
  std::ifstream in(dir / "out" / "evaluation.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["scenario"], "nasa-week-future");
  EXPECT_EQ(j["minutes_per_episode"], 180);
  // learned, six classical, its base (unless it is one of them), three oracles
  const std::size_t extra = j["policies"].size() == 11u ? 1 : 0;
  ASSERT_EQ(j["policies"].size(), 10u + extra);
  EXPECT_EQ(j["policies"][0]["policy"].get<std::string>().rfind("ppo:", 0), 0u);
  bool base_row = false;
  for (const auto& p : j["policies"]) base_row = base_row || p["policy"] == j["verdict"]["learned_base"];
  EXPECT_TRUE(base_row);
  EXPECT_EQ(j["policies"][7 + extra]["policy"], "oracle-window:minutes=60");
  // The verdict pairs the learned policy with the classical policy best on the past, episode by
  // episode; its interval is over the future's days (every day replayed equally often).
  const auto& v = j["verdict"];
  ASSERT_TRUE(v.is_object());
  const auto& policies = j["policies"];
  std::size_t base = 0;
  for (std::size_t i = 1; i < 7; ++i) {
    if (policies[i]["policy"] == v["baseline"]) base = i;
  }
  ASSERT_NE(base, 0u) << v.dump();
  // The baseline is the classical policy with the best profit on the past.
  double best_past = -1e300;
  std::string past_best;
  for (const char* p : {"hpa", "target-tracking", "step", "simple", "predictive", "headroom"}) {
    std::ifstream spec(dir / "out" / "baselines" / (std::string(p) + ".spec"));
    std::string line, last;
    double profit = 0;
    while (std::getline(spec, line)) {
      if (line.rfind("# mean training profit ", 0) == 0) profit = std::stod(line.substr(23));
      if (!line.empty() && line[0] != '#') last = line;
    }
    if (profit > best_past) {
      best_past = profit;
      past_best = last;
    }
  }
  EXPECT_EQ(past_best, v["baseline"].get<std::string>());
  // The learned policy's base is the candidate with the best held-out profit.
  double best_held = -1e300;
  std::string held_best;
  for (const auto& c : v["base_selection"]) {
    if (c["holdout_profit"].get<double>() > best_held) {
      best_held = c["holdout_profit"].get<double>();
      held_best = c["policy"].get<std::string>();
    }
  }
  EXPECT_EQ(v["base_selection"].size(), 6u);
  EXPECT_EQ(held_best, v["learned_base"].get<std::string>());
  const auto learned = policies[0]["episode_profits"].get<std::vector<double>>();
  const auto baseline = policies[base]["episode_profits"].get<std::vector<double>>();
  const auto day = j["tiles"]["episode_day"].get<std::vector<int>>();
  ASSERT_EQ(day.size(), learned.size());
  const int days = j["tiles"]["days"].get<int>();
  EXPECT_GE(days, 1);
  EXPECT_EQ(learned.size(), static_cast<std::size_t>(days * j["tiles"]["replicates"].get<int>()));
  EXPECT_GE(learned.size(), 3u);
  double diff = 0, worst = 1e300;
  int wins = 0;
  for (std::size_t e = 0; e < learned.size(); ++e) {
    diff += (learned[e] - baseline[e]) / static_cast<double>(learned.size());
    worst = std::min(worst, learned[e] - baseline[e]);
    wins += learned[e] > baseline[e];
  }
  const auto& lv = v["learned_vs_baseline"];
  EXPECT_NEAR(lv["diff_mean"].get<double>(), diff, 1e-6);
  EXPECT_NEAR(lv["worst_episode_diff"].get<double>(), worst, 1e-6);
  EXPECT_EQ(lv["wins"].get<int>(), wins);
  EXPECT_EQ(lv["clusters"].get<int>(), days);
  if (days >= 2) {
    EXPECT_LE(lv["diff_ci95"][0].get<double>(), diff);
    EXPECT_GE(lv["diff_ci95"][1].get<double>(), diff);
  }
  const double gap = policies[8 + extra]["mean_profit"].get<double>() - policies[base]["mean_profit"].get<double>();
  if (gap > 0) EXPECT_NEAR(lv["gap_closed_pct"]["oracle-load"].get<double>(), 100 * diff / gap, 1e-6);
  // The gate decided on the held-out end of the past; what it deployed is written to deployed.spec
  // and is either the learned policy or that baseline.
  const bool learned_deployed = v["gate"]["deploy_learned"].get<bool>();
  EXPECT_EQ(v["deployed_role"], learned_deployed ? "learned" : "baseline");
  EXPECT_EQ(v["deployed"], learned_deployed ? policies[0]["policy"] : policies[base]["policy"]);
  if (v["gate"]["diff_ci95"].is_array()) EXPECT_EQ(learned_deployed, v["gate"]["diff_ci95"][0].get<double>() > 0);
  std::ifstream deployed(dir / "out" / "deployed.spec");
  std::string line, last;
  while (std::getline(deployed, line)) {
    if (!line.empty() && line[0] != '#') last = line;
  }
  EXPECT_EQ(last, v["deployed"].get<std::string>());
  std::filesystem::remove_all(dir);
}

// `train` on a trace without --preset trains the `trace` preset (the `default` one collapses the
// fleet on real traffic); on a synthetic scenario the `default` one.
TEST(Cli, TrainPicksTheTracePresetForATrace) {
  const auto dir = std::filesystem::temp_directory_path() / ("autoscale_train_preset_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto scenario = dir / "nasa-days.toml";
  std::ofstream(scenario) << "name = \"nasa-days\"\n[service]\nmax_time_steps = 1439\n[load]\nkind = \"trace\"\npath = \""
                          << AUTOSCALE_SOURCE_DIR << "/data/traces/nasa_1995_07.csv\"\nscale_to_p99 = 8800\nto = 4320\n";
  for (const auto& [arg, preset] : std::vector<std::pair<std::string, std::string>>{{scenario.string(), "trace"}, {"seed", "default"}}) {
    SCOPED_TRACE(arg);
    const auto out = dir / preset;
    const CliRun r = cli("train --scenario " + arg + " --steps 4096 --threads 1 --out " + out.string(), true);
    ASSERT_EQ(r.code, 0) << r.out;
    std::ifstream conf(out / "config.toml");
    const std::string text((std::istreambuf_iterator<char>(conf)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("preset = \"" + preset + "\""), std::string::npos) << text;
  }
  std::filesystem::remove_all(dir);
}

TEST(Cli, RunRefusesABadTrainingConfigBeforeItStarts) {
  const auto dir = std::filesystem::temp_directory_path() / ("autoscale_run_badcfg_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto cfg = dir / "bad.toml";
  std::ofstream(cfg) << "[ppo]\ngamma = 2\n";
  const CliRun r = cli("run --scenario seed --out " + (dir / "out").string() + " --config " + cfg.string(), true);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("bad.toml:2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gamma"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "progress.csv"));
  std::filesystem::remove_all(dir);
}

// kill -9 in the middle of training, then --resume: the run completes from its last checkpoint,
// and progress.csv holds each step count once.
TEST(Cli, TrainSurvivesKillNineAndResumes) {
  const auto dir = std::filesystem::temp_directory_path() / ("autoscale_kill_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto cfg = dir / "train.toml";
  std::ofstream(cfg) << "[ppo]\nnum_envs = 4\nrollout_steps = 128\nminibatches = 2\nhidden = [16, 16]\n"
                        "validation_episodes = 0\ncheckpoint_every_steps = 2048\n";
  const auto out = dir / "run";
  // Long enough that it cannot finish in the ~0.3 s between its first checkpoint and the kill.
  const std::string steps = "400000";
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(AUTOSCALE_CLI, AUTOSCALE_CLI, "train", "--scenario", "seed", "--steps", steps.c_str(), "--out", out.c_str(),
          "--config", cfg.c_str(), "--threads", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!std::filesystem::exists(out / "checkpoint.json") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(std::filesystem::exists(out / "checkpoint.json"));
  ASSERT_FALSE(WIFEXITED(status)) << "training finished before it was killed";
  EXPECT_FALSE(std::filesystem::exists(out / "model"));
  const CliRun r = cli("train --scenario seed --steps " + steps + " --out " + out.string() + " --config " + cfg.string() +
                       " --threads 1 --resume");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(std::filesystem::exists(out / "model"));
  std::ifstream in(out / "progress.csv");
  std::string line;
  std::getline(in, line);
  std::set<long long> seen;
  long long last = 0;
  while (std::getline(in, line)) {
    const long long s = std::stoll(line.substr(0, line.find(',')));
    EXPECT_TRUE(seen.insert(s).second) << "step " << s << " twice";
    EXPECT_GT(s, last);
    last = s;
  }
  EXPECT_GE(last, 390000);
  const CliRun e = cli("simulate --minutes 200 --policy ppo:" + (out / "model").string());
  EXPECT_EQ(e.code, 0) << e.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
