// Fleets (src/fleet, `autoscale fleet`): the manifest's rules and errors, where a task's index
// comes from, and plan -> task -> merge through the CLI with the indices Slurm and Kubernetes
// set: a finished task is skipped, an interrupted one runs again, a changed row runs again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "fleet/manifest.hpp"
#include "fleet/task.hpp"
#include "report/fleet_html.hpp"
#include "cli_run.hpp"

namespace autoscale::fleet {
namespace {

using ::testing::HasSubstr;

std::filesystem::path fresh_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

TEST(FleetManifest, RowsResolveFilesBesideTheManifestAndDeriveMissingSeeds) {
  const auto dir = fresh_dir("fleet_manifest");
  std::ofstream(dir / "svc.toml") << "name = \"x\"\n";
  std::ofstream(dir / "cfg.toml") << "[ppo]\npreset = \"trace\"\n";
  const auto rows = parse_manifest(
      "# a comment\nservice\tscenario\tconfig\tseed\nweb\tsvc.toml\tcfg.toml\t7\napi-2\tseed\t-\t-\n", "m.tsv", dir);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].scenario, (dir / "svc.toml").string());
  EXPECT_EQ(rows[0].config->string(), (dir / "cfg.toml").string());
  EXPECT_EQ(rows[0].seed, 7u);
  EXPECT_EQ(rows[0].line, 3);
  EXPECT_EQ(rows[1].scenario, "seed");  // a built-in name
  EXPECT_FALSE(rows[1].config);
  EXPECT_EQ(rows[1].seed, derived_seed("api-2"));
  EXPECT_NE(derived_seed("api-2"), derived_seed("api-3"));
  EXPECT_EQ(derived_seed("api-2"), derived_seed("api-2")) << "a row's seed must not depend on anything but the row";
}

TEST(FleetManifest, ErrorsNameTheFileLineAndField) {
  const auto dir = fresh_dir("fleet_manifest_errors");
  const std::string h = "service\tscenario\tconfig\tseed\n";
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"service,scenario,config,seed\n", "m.tsv:1: the first line must be the header"},
      {"", "m.tsv: no header line"},
      {h, "m.tsv: the manifest lists no service"},
      {h + "web\tseed\t-\n", "m.tsv:2: 3 tab-separated fields, the manifest has 4"},
      {h + "we b\tseed\t-\t1\n", "m.tsv:2: service 'we b' must be 1-64 of [A-Za-z0-9._-]"},
      {h + "..\tseed\t-\t1\n", "service '..' must be"},
      {h + "web\tseed\t-\t1\nweb\tseed\t-\t2\n", "m.tsv:3: service 'web' appears twice"},
      {h + "web\t\t-\t1\n", "m.tsv:2: scenario is empty"},
      {h + "web\tseed\tnope.toml\t1\n", "m.tsv:2: config file"},
      {h + "web\tseed\t-\tx\n", "m.tsv:2: seed 'x' must be an integer in 0..1073741823 or -"},
      {h + "web\tseed\t-\t99999999999\n", "seed '99999999999' must be"},
  };
  for (const auto& [text, says] : rows) {
    SCOPED_TRACE(text);
    try {
      parse_manifest(text, "m.tsv", dir);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(says));
    }
  }
}

TEST(FleetTask, TheIndexComesFromTheOptionThenSlurmThenKubernetes) {
  struct Row {
    const char* what;
    std::optional<int> given;
    std::map<std::string, std::string> env;
    int want;        // -1: refused
    const char* says;
  };
  const std::vector<Row> rows = {
      {"--index wins", 2, {{"SLURM_ARRAY_TASK_ID", "1"}}, 2, ""},
      {"a Slurm array task", std::nullopt, {{"SLURM_ARRAY_TASK_ID", "1"}, {"JOB_COMPLETION_INDEX", "0"}}, 1, ""},
      {"a Kubernetes Indexed Job", std::nullopt, {{"JOB_COMPLETION_INDEX", "0"}}, 0, ""},
      {"nothing set", std::nullopt, {}, -1, "no task index: give --index"},
      {"not a number", std::nullopt, {{"SLURM_ARRAY_TASK_ID", "1a"}}, -1, "SLURM_ARRAY_TASK_ID='1a' is not a task index"},
      {"beyond the manifest", std::nullopt, {{"JOB_COMPLETION_INDEX", "3"}}, -1, "JOB_COMPLETION_INDEX = 3 is outside the manifest's tasks 0..2"},
      {"a negative option", -1, {}, -1, "--index = -1 is outside"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.what);
    const auto env = [&](const char* k) -> const char* {
      const auto it = r.env.find(k);
      return it == r.env.end() ? nullptr : it->second.c_str();
    };
    if (r.want >= 0) {
      EXPECT_EQ(task_index(r.given, 3, env), r.want);
      continue;
    }
    try {
      task_index(r.given, 3, env);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(r.says));
    }
  }
}

using Cli = autoscale::testing::CliRun;
// `env` goes before the binary: the index variables a scheduler sets, or `cd DIR &&`.
Cli cli(const std::string& env, const std::string& args) {
  return autoscale::testing::run_cli(args, autoscale::testing::Stderr::kMerge, env);
}

TEST(FleetCli, PlanTaskMergeWithSlurmAndKubernetesIndices) {
  const auto dir = fresh_dir("fleet_cli");
  std::ofstream(dir / "week.toml") << "name = \"nasa-week\"\n[load]\nkind = \"trace\"\npath = \"" << AUTOSCALE_SOURCE_DIR
                                   << "/data/traces/nasa_1995_07.csv\"\nscale_to_p99 = 8800\nto = 10080\n";
  std::ofstream(dir / "small.toml") << "[ppo]\npreset = \"trace\"\nhidden = [8, 8]\n";
  const auto manifest = dir / "services.tsv";
  std::ofstream(manifest) << "service\tscenario\tconfig\tseed\nweb\tweek.toml\tsmall.toml\t3\napi\tweek.toml\tsmall.toml\t-\n";
  const auto out = dir / "out";
  const std::string files = "--manifest " + manifest.string() + " --out " + out.string();
  const std::string tiny =
      " --steps 4096 --episodes 3 --tune-budget 2 --tune-episodes 2 --history-minutes 60 --episode-minutes 120 --threads 2";

  Cli plan = cli("", "fleet plan " + files);
  ASSERT_EQ(plan.code, 0) << plan.out;
  EXPECT_THAT(plan.out, HasSubstr("| 0 | web |"));
  EXPECT_THAT(plan.out, HasSubstr("2 tasks (2 to run)"));

  // An interrupted task: its folder exists, its marker does not. It runs again.
  std::filesystem::create_directories(out / "web");
  std::ofstream(out / "web" / "progress.csv") << "left by a killed task\n";
  const Cli t0 = cli("SLURM_ARRAY_TASK_ID=0", "fleet task " + files + tiny);
  ASSERT_EQ(t0.code, 0) << t0.out;
  EXPECT_THAT(t0.out, HasSubstr("fleet task 0 (web): scenario"));
  const Cli t1 = cli("JOB_COMPLETION_INDEX=1", "fleet task " + files + tiny);
  ASSERT_EQ(t1.code, 0) << t1.out;
  for (const char* service : {"web", "api"}) {
    EXPECT_TRUE(std::filesystem::exists(out / service / "deployed.spec")) << service;
    const auto marker = nlohmann::json::parse(std::ifstream(out / service / "fleet-task.json"));
    EXPECT_EQ(marker["status"], "done");
    EXPECT_EQ(marker["row"]["service"], service);
  }
  // The seed comes from the row: api's is derived from its name, web's is the manifest's 3.
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(out / "web" / "fleet-task.json"))["row"]["seed"], 3);
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(out / "api" / "fleet-task.json"))["row"]["seed"], derived_seed("api"));

  // Submitted again: both are skipped, nothing is rewritten.
  const auto stamp = std::filesystem::last_write_time(out / "web" / "evaluation.json");
  const Cli again = cli("SLURM_ARRAY_TASK_ID=0", "fleet task " + files + tiny);
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_THAT(again.out, HasSubstr("done already"));
  EXPECT_EQ(std::filesystem::last_write_time(out / "web" / "evaluation.json"), stamp);
  EXPECT_THAT(cli("", "fleet plan " + files).out, HasSubstr("2 tasks (0 to run)"));
  // A task is done for its row however the manifest is named (the scheduler's absolute path, an
  // operator's relative one from another folder).
  EXPECT_THAT(cli("cd " + dir.string() + " &&", "fleet plan --manifest services.tsv --out out").out, HasSubstr("2 tasks (0 to run)"));

  const Cli merged = cli("", "fleet merge " + files);
  ASSERT_EQ(merged.code, 0) << merged.out;
  EXPECT_THAT(merged.out, HasSubstr("2 of 2 tasks done"));
  const auto fleet = nlohmann::json::parse(std::ifstream(out / "fleet.json"));
  ASSERT_EQ(fleet["services"].size(), 2u);
  for (const auto& s : fleet["services"]) {
    EXPECT_EQ(s["state"], "done");
    EXPECT_TRUE(s["verdict"].contains("deployed_vs_baseline")) << s.dump();
  }
  // The page carries the same document, and links each service's own report.
  std::ostringstream page;
  page << std::ifstream(out / "fleet.html").rdbuf();
  EXPECT_EQ(autoscale::report::read_embedded_fleet(page.str()), fleet);
  for (const char* service : {"web", "api"}) EXPECT_TRUE(std::filesystem::exists(out / service / "report.html")) << service;

  // A changed row (another seed) is no longer done: it would run again.
  std::ofstream(manifest) << "service\tscenario\tconfig\tseed\nweb\tweek.toml\tsmall.toml\t4\napi\tweek.toml\tsmall.toml\t-\n";
  const Cli changed = cli("", "fleet plan " + files);
  EXPECT_THAT(changed.out, HasSubstr("| 0 | web | " + (dir / "week.toml").string() + " | 4 | started |"));
  EXPECT_THAT(changed.out, HasSubstr("2 tasks (1 to run)"));
  // No index at all is an error naming where it looks.
  const Cli none = cli("env -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX", "fleet task " + files + tiny);
  EXPECT_EQ(none.code, 1);
  EXPECT_THAT(none.out, HasSubstr("no task index"));
}

}  // namespace
}  // namespace autoscale::fleet
