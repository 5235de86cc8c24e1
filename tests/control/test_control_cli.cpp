// `autoscale control` as a user runs it: usage errors exit 2 naming the flag, and a shadow run
// against a Prometheus stand-in records would-be decisions, serves its metrics and stops on SIGTERM.
#include "serve_test_util.hpp"  // first: Eigen before httplib

#include <gmock/gmock.h>

#include <fstream>

#include "child_process.hpp"
#include "cli_run.hpp"
#include "control_test_util.hpp"
#include "loopback_port.hpp"

namespace autoscale::control {
namespace {

using ::testing::HasSubstr;
using autoscale::testing::CliRun;
using autoscale::testing::run_cli;
using autoscale::testing::Stderr;

const std::string kRequired =
    " --prometheus http://127.0.0.1:9 --service api --load-query load --fleet-query fleet --model m --actuate file:/dev/null";

TEST(ControlCli, UsageErrorsExit2NamingTheFlag) {
  struct Case {
    std::string args, says;
  };
  const std::vector<Case> cases = {
      {"control --prometheus http://x --service api --load-query l --model m --actuate file:/dev/null", "--fleet-query"},
      {"control" + kRequired + " --actuate kubectl:api", "expected file:PATH, command:CMD, webhook:URL or kubernetes:[NAMESPACE/]KIND/NAME"},
      {"control" + kRequired + " --actuate command:", "needs an argument (command:CMD)"},
      {"control" + kRequired + " --every 0s", "--every"},
      {"control" + kRequired + " --settle soon", "--settle"},
      {"control" + kRequired + " --wall-clock maybe", "--wall-clock"},
      {"control" + kRequired + " --header 'no colon'", "--header"},
      {"control" + kRequired + " --enforce", "--enforce requires --freshness-query"},
  };
  for (const auto& c : cases) {
    const CliRun r = run_cli(c.args, Stderr::kMerge);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.out;
    EXPECT_THAT(r.out, HasSubstr(c.says)) << c.args;
  }
  // Well formed, but the model cannot be read: a failure (1) naming the file.
  const CliRun r = run_cli("control" + kRequired, Stderr::kMerge);
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("model file m"));
}

TEST(ControlCli, AShadowRunRecordsWhatItWouldDoAndStopsOnSigterm) {
  control_testing::FakePrometheus prom;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  prom.value("clock", static_cast<double>(now));
  prom.value("load", 9000);
  prom.value("fleet", 30);
  const auto dir = serve_testing::temp_dir("control_cli");
  const auto decisions = dir / "shadow.jsonl";
  const int metrics_port = autoscale::testing::unused_loopback_port();
  autoscale::testing::Child control(
      {AUTOSCALE_CLI, "control", "--prometheus", prom.url(), "--service", "api", "--load-query", "load", "--fleet-query", "fleet",
       "--clock-query", "clock", "--settle", "0", "--every", "100ms", "--model", serve_testing::trained_model("seed"),
       "--wall-clock", "false", "--actuate", "file:" + decisions.string(), "--metrics-port", std::to_string(metrics_port)},
      dir / "control.log");
  // Decided, then at least two more ticks in the same minute (which must not act again).
  const std::string again = "autoscale_control_ticks_total{service=\"api\",outcome=\"already_decided\"}";
  const std::string metrics = control_testing::wait_for_metrics(
      metrics_port, [&](const std::string& m) { return control_testing::metric_value(m, again) >= 2; });
  ASSERT_FALSE(metrics.empty()) << "no decided minute with two more ticks in it within 30 s";
  const int status = control.stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << autoscale::testing::read_file_text(dir / "control.log");
  EXPECT_THAT(metrics, HasSubstr("autoscale_control_enforced{service=\"api\"} 0"));
  std::ifstream in(decisions);
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 1u) << "one minute, one line, however many ticks";
  EXPECT_FALSE(lines[0]["enforced"].get<bool>());
  EXPECT_EQ(lines[0]["timestamp"].get<std::int64_t>(), now / 60 * 60);
  const std::string log = autoscale::testing::read_file_text(dir / "control.log");
  EXPECT_THAT(log, HasSubstr("decision (shadow: not acted on)"));
  EXPECT_THAT(log, HasSubstr("no --freshness-query"));
  EXPECT_THAT(log, HasSubstr("control stopped"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace autoscale::control
