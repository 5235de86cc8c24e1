#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "report/packing.hpp"
#include "report/report_html.hpp"
#include "report_test_util.hpp"
#include "scenario/scenario.hpp"
#include "cli_run.hpp"

using namespace autoscale;
using namespace autoscale::report;
using report_test::TempDir;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json policy(const std::string& spec, std::vector<double> profits) {
  double mean = 0;
  for (double v : profits) mean += v / static_cast<double>(profits.size());
  return {{"policy", spec}, {"mean_profit", mean}, {"profit_ci95", {mean - 1, mean + 1}}, {"downtime_minutes", 1.5},
          {"availability", 0.999}, {"machine_minutes", 1234}, {"episode_profits", profits}};
}

ReportInputs sample_inputs() {
  ReportInputs in;
  in.evaluation_source = "eval.json";
  in.evaluation = {{"scenario", "seed"}, {"first_seed", 100}, {"episodes", 3}, {"minutes_per_episode", 50},
                   {"policies", {policy("hpa", {10, 20, 30}), policy("ppo:runs/x</script><b>", {12, 25, 29}),
                                 policy("oracle", {40, 41, 42})}}};
  EpisodeTrace e;
  e.episode = 1;
  e.first_minute = 1;
  e.load = {1000, 70000, 5};
  e.policies.push_back(PolicyTrace{.policy = "hpa", .capacity = {900, 80000, 0}, .active = {3, 250, 1}, .warming = {0, 10, 0},
                                   .failed = {100, 0, 5}, .down = {1, 0, 1}, .add = {0, 10, 0}, .remove = {0, 0, 4},
                                   .reward = {-200, 1.5, -199}});
  e.policies.push_back(PolicyTrace{.policy = "oracle", .capacity = {1000, 70000, 5}, .active = {4, 240, 1}, .warming = {1, 0, 0},
                                   .failed = {0, 0, 0}, .down = {0, 0, 0}, .add = {1, 0, 0}, .remove = {0, 0, 0}, .reward = {1, 2, 3}});
  in.traces.push_back(e);
  in.training = TrainingCurve{.source = "train/progress.csv", .steps = {4096, 8192}, .wall_seconds = {0.5, 1},
                              .train_profit = {NAN, 1200}, .validation_profit = {NAN, 1500}};
  Scenario s = resolve_scenario("seed");
  s.set_episode_minutes(60);
  in.scenario = picture_scenario(s, 100, 2);
  in.notes.push_back("a note");
  return in;
}

}  // namespace

TEST(ReportHtml, EmbeddedManifestAndColumnsRoundTrip) {
  TempDir dir("report_html");
  const ReportInputs in = sample_inputs();
  write_report(in, dir.path / "r.html");
  const std::string html = slurp(dir.path / "r.html");
  // One script element per part: a spec holding "</script>" must not close the manifest early.
  EXPECT_EQ(html.find("</script><b>"), std::string::npos);
  const EmbeddedReport r = read_embedded_report(html);
  const auto& m = r.manifest;
  EXPECT_EQ(m["format"], "autoscale-report");
  // The evaluation as given, each policy with its kind (this one predates kinds: the factory's
  // rule fills them in).
  nlohmann::json with_kinds = in.evaluation;
  const char* kinds[] = {"classical", "learned", "oracle"};
  for (std::size_t i = 0; i < 3; ++i) with_kinds["policies"][i]["kind"] = kinds[i];
  EXPECT_EQ(m["evaluation"], with_kinds);
  EXPECT_EQ(m["notes"][0], "a note");
  EXPECT_EQ(m["columns_bytes"].get<std::size_t>(), r.columns.size());

  const auto col = [&](const nlohmann::json& d) { return read_column(r.columns, d); };
  const auto& t = m["traces"][0];
  EXPECT_EQ(t["episode"], 1);
  EXPECT_EQ(t["seed"], 101);
  EXPECT_EQ(col(t["load"]), (std::vector<double>{1000, 70000, 5}));
  const auto& hpa = t["policies"][0];
  EXPECT_EQ(hpa["policy"], "hpa");
  EXPECT_DOUBLE_EQ(hpa["profit"].get<double>(), -397.5);
  EXPECT_EQ(hpa["downtime_minutes"], 2);
  EXPECT_EQ(col(hpa["capacity"]), (std::vector<double>{900, 80000, 0}));
  EXPECT_EQ(col(hpa["active"]), (std::vector<double>{3, 250, 1}));
  EXPECT_EQ(col(hpa["warming"]), (std::vector<double>{0, 10, 0}));
  EXPECT_EQ(col(hpa["down"]), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(col(hpa["add"]), (std::vector<double>{0, 10, 0}));
  EXPECT_EQ(col(hpa["remove"]), (std::vector<double>{0, 0, 4}));
  EXPECT_EQ(t["policies"][1]["policy"], "oracle");

  const auto steps = col(m["training"]["steps"]), val = col(m["training"]["validation_profit"]);
  EXPECT_EQ(steps, (std::vector<double>{4096, 8192}));
  EXPECT_TRUE(std::isnan(val[0]));
  EXPECT_EQ(val[1], 1500);

  // The scenario's sampled loads are the loads an environment serves on those seeds.
  const auto& s = m["scenario"];
  EXPECT_EQ(s["kind"], "seed");
  ASSERT_EQ(s["samples"].size(), 2u);
  Scenario sc = resolve_scenario("seed");
  sc.set_episode_minutes(60);
  Env env = sc.make_env();
  env.reset(101);
  const auto loads = col(s["samples"][1]["load"]);
  ASSERT_EQ(loads.size(), 60u);
  for (double l : loads) EXPECT_EQ(l, static_cast<double>(env.step(Action{}).info.load));
}

TEST(ReportHtml, PairedDifferencesAreAgainstTheLearnedPolicy) {
  const Payload p = build_payload(sample_inputs());
  const auto& d = p.manifest["derived"];
  EXPECT_EQ(d["reference"], "ppo:runs/x</script><b>");
  EXPECT_TRUE(d["reference_is_learned"].get<bool>());
  EXPECT_EQ(d["best"], "ppo:runs/x</script><b>");  // 22 beats hpa's 20; the oracle is a bound, not a rival
  EXPECT_TRUE(d["paired_vs_reference"][1].is_null());
  // hpa - ppo per episode: -2, -5, +1 -> mean -2
  EXPECT_DOUBLE_EQ(d["paired_vs_reference"][0]["mean"].get<double>(), -2.0);
  EXPECT_LT(d["paired_vs_reference"][0]["lo"].get<double>(), -2.0);
  EXPECT_GT(d["paired_vs_reference"][0]["hi"].get<double>(), -2.0);
}

TEST(ReportHtml, WithoutALearnedPolicyTheBestIsTheReference) {
  ReportInputs in = sample_inputs();
  in.evaluation["policies"][1]["policy"] = "headroom";
  const Payload p = build_payload(in);
  EXPECT_EQ(p.manifest["derived"]["reference"], "headroom");
  EXPECT_FALSE(p.manifest["derived"]["reference_is_learned"].get<bool>());
}

TEST(ReportHtml, ThePageInlinesItsScriptsAndNeedsNoNetwork) {
  TempDir dir("report_html_offline");
  write_report(sample_inputs(), dir.path / "r.html");
  const std::string html = slurp(dir.path / "r.html");
  EXPECT_EQ(html.find("{{"), std::string::npos) << "a template marker was left";
  EXPECT_EQ(html.find("src=\""), std::string::npos) << "no external scripts or images";
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_NE(html.find("uPlot"), std::string::npos);
  EXPECT_NE(html.find("autoscaleReport"), std::string::npos);
}

TEST(ReportHtml, DamagedPagesAreErrors) {
  EXPECT_THROW(read_embedded_report("<html></html>"), Error);
  TempDir dir("report_html_damaged");
  write_report(sample_inputs(), dir.path / "r.html");
  std::string html = slurp(dir.path / "r.html");
  const auto at = html.find("id=\"report-columns\">") + 30;
  html[at] = html[at] == 'A' ? 'B' : 'A';
  EXPECT_THROW(read_embedded_report(html), Error);
}

namespace {
using autoscale::testing::CliRun;
CliRun cli(const std::string& args) { return autoscale::testing::run_cli(args, autoscale::testing::Stderr::kMerge); }
}  // namespace

TEST(ReportCli, EvaluateThenReportShowsEveryPolicysKeptEpisodes) {
  TempDir dir("report_cli");
  const auto scen = dir.write("s.toml", "name = \"short\"\n[service]\nmax_time_steps = 200\n[load]\nkind = \"seed\"\n");
  const std::string d = dir.path.string();
  const CliRun e = cli("evaluate --scenario " + scen.string() + " --seed 7 --episodes 4 --threads 2 --policies hpa,headroom,oracle --json " +
                       d + "/eval.json --trace-out " + d + "/traces.csv --keep-traces 3");
  ASSERT_EQ(e.code, 0) << e.out;
  const CliRun r = cli("report --eval " + d + "/eval.json --traces " + d + " --scenario " + scen.string() + " --max-episodes 2 --out " +
                       d + "/r.html");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("report: "), std::string::npos);
  const auto m = read_embedded_report(slurp(dir.path / "r.html")).manifest;
  ASSERT_EQ(m["traces"].size(), 2u);
  for (const auto& t : m["traces"]) {
    ASSERT_EQ(t["policies"].size(), 3u);
    EXPECT_EQ(t["minutes"], 201);
    // The episode's profit summed from the trace matches the evaluation's (rows hold 4 decimals).
    for (std::size_t p = 0; p < 3; ++p) {
      const double from_eval = m["evaluation"]["policies"][p]["episode_profits"][t["episode"].get<int>()].get<double>();
      EXPECT_NEAR(t["policies"][p]["profit"].get<double>(), from_eval, 0.05);
    }
  }
  EXPECT_EQ(m["scenario"]["name"], "short");
  EXPECT_EQ(m["scenario"]["samples"].size(), 3u);
  EXPECT_TRUE(m["training"].is_null());
  EXPECT_FALSE(m["notes"].empty()) << "the page says that no training curve was given";
}

TEST(ReportCli, BadInputFailsWithTheFileNamed) {
  TempDir dir("report_cli_bad");
  const auto bad = dir.write("eval.json", "{\"policies\": [{\"policy\": \"a\"}]}");
  const CliRun r = cli("report --eval " + bad.string() + " --out " + (dir.path / "r.html").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("eval.json: policies[0]: field 'mean_profit'"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir.path / "r.html"));
  const CliRun u = cli("report --out x.html");
  EXPECT_NE(u.code, 0);
  EXPECT_NE(u.out.find("--eval"), std::string::npos) << u.out;
}

TEST(ReportScenario, TraceScenariosCarryTheTraceAndTheReplayedWindows) {
  Scenario s = load_scenario_file(std::string(AUTOSCALE_SOURCE_DIR) + "/scenarios/nasa.toml");
  s.set_episode_minutes(1440);
  const ScenarioPicture pic = picture_scenario(s, 40, 3);
  EXPECT_EQ(pic.kind, "trace");
  EXPECT_EQ(pic.trace_tpm.size(), s.load.series->tpm.size());
  ASSERT_EQ(pic.samples.size(), 3u);
  for (const auto& x : pic.samples) {
    ASSERT_TRUE(x.window_start.has_value());
    EXPECT_GE(*x.window_start, 0);
    EXPECT_LE(*x.window_start + 1440, static_cast<std::int64_t>(pic.trace_tpm.size()));
    EXPECT_EQ(x.load.size(), 1440u);
  }
  EXPECT_NE(pic.samples[0].window_start, pic.samples[1].window_start) << "seeded random windows differ per episode";
  const Payload p = build_payload(ReportInputs{.evaluation = sample_inputs().evaluation, .evaluation_source = "e.json",
                                               .traces = {}, .training = std::nullopt, .scenario = pic, .notes = {}});
  EXPECT_EQ(p.manifest["scenario"]["trace"]["tpm"]["length"], pic.trace_tpm.size());
  EXPECT_TRUE(p.manifest["training"].is_null());
  EXPECT_TRUE(p.manifest["traces"].empty());
}

TEST(ReportHtml, HistoryMinutesAreShownButNotScored) {
  ReportInputs in = sample_inputs();
  in.scenario->history_minutes = 1;  // minute 1 only gives history
  const Payload p = build_payload(in);
  EXPECT_EQ(p.manifest["history_minutes"], 1);
  const auto& hpa = p.manifest["traces"][0]["policies"][0];
  EXPECT_DOUBLE_EQ(hpa["profit"].get<double>(), 1.5 - 199);
  EXPECT_EQ(hpa["downtime_minutes"], 1);
  EXPECT_EQ(read_column(p.columns, hpa["down"]).size(), 3u) << "the timeline still shows every minute";
}
