// `autoscale control` end to end with real parts: a real Prometheus (Debian's package) scrapes a
// small exporter that simulates the seed scenario's service in accelerated time, `control
// --enforce --actuate file:...` (the CLI, as a process) reads the minutes from Prometheus and
// decides, and the exporter drives its simulated fleet from the decisions the file actuator
// records: the loop is closed. The recorded decisions must equal `autoscale evaluate`'s (its
// --trace-out) for the same episode, minute for minute, and the simulated fleet evaluate's.
//
// Time: the exporter runs in lock step with the decisions, not with the wall clock. It publishes
// minute n (load, failed, active, warming and the minute's own timestamp, base + 60 n) and moves to
// minute n + 1 only once the file holds minute n's decision, which it then applies, as evaluate's
// episode applies the policy's action. control's clock is that timestamp (--clock-query), read at
// one evaluation time (now - --settle) with the other series, so each decision sees one scrape's
// minute, whatever the scrape and tick phases: while control decides minute n the exporter shows
// minute n only (it moves on after the decision), and Prometheus scrapes a target one scrape after
// the other, so no scrape of another minute can land between the clock's query and the others'.
// Ticks in between (every 100 ms against a minute of about 0.7 s) find the minute decided and do
// nothing.
#include "serve_test_util.hpp"  // first: Eigen before httplib

#include <gmock/gmock.h>

#include <atomic>
#include <fstream>
#include <iostream>

#include "eval/policy_factory.hpp"
#include "local_prometheus.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::control {
namespace {

namespace fs = std::filesystem;
using autoscale::testing::read_file_text;

constexpr std::int64_t kBase = 1'704'067'200;  // minute 0's timestamp: 2024-01-01T00:00:00Z (the seed has no clock)
constexpr int kMinutes = 40;
constexpr std::uint64_t kSeed = 7;

// The simulated service as a Prometheus target: one minute's values at a time.
class Exporter {
 public:
  Exporter() {
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mu_);
      res.set_content(text_, "text/plain; version=0.0.4");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Exporter() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  void publish(std::int64_t n, const StepInfo& i) {
    std::lock_guard lock(mu_);  // a scrape sees one whole minute
    text_ = fmt::format(
        "# TYPE sim_minute_timestamp_seconds gauge\nsim_minute_timestamp_seconds {}\n"
        "# TYPE sim_requests gauge\nsim_requests {}\n# TYPE sim_failed gauge\nsim_failed {}\n"
        "# TYPE sim_active gauge\nsim_active {}\n# TYPE sim_warming gauge\nsim_warming {}\n",
        kBase + 60 * n, i.load, i.failed, i.active, i.warming);
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string text_ = "# no minute yet\n";
};

std::vector<nlohmann::json> read_lines(const fs::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

struct TraceRow {
  std::int64_t load, active, warming, failed;
  int add, remove;
};
// evaluate's --trace-out: policy,episode,minute,load,capacity,active,warming,failed,down,add,remove,reward
std::map<std::int64_t, TraceRow> read_trace(const fs::path& p) {
  std::map<std::int64_t, TraceRow> rows;
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    // The policy field is quoted (specs hold commas): the numbers follow its closing quote.
    const auto close = line.find("\",");
    std::stringstream rest(line.substr(close == std::string::npos ? line.find(',') + 1 : close + 2));
    std::vector<std::string> f;
    for (std::string cell; std::getline(rest, cell, ',');) f.push_back(cell);
    if (f.size() < 10) continue;
    if (std::stoi(f[0]) != 0) continue;  // episode 0 only
    rows[std::stoll(f[1])] = {std::stoll(f[2]), std::stoll(f[4]), std::stoll(f[5]), std::stoll(f[6]), std::stoi(f[8]), std::stoi(f[9])};
  }
  return rows;
}

TEST(ControlEndToEnd, ARealPrometheusAndTheFileActuatorCloseTheLoopWithEvaluatesDecisions) {
  if (const std::string missing = autoscale::testing::prometheus_missing(); !missing.empty()) {
    AUTOSCALE_SKIP_UNLESS_CI(missing << " (scripts/setup.sh installs Debian's prometheus)");
  }
  const auto t0 = std::chrono::steady_clock::now();
  const fs::path dir = serve_testing::temp_dir("control_e2e");
  const std::string model = serve_testing::trained_model("seed");

  // evaluate's episode, as the CLI writes it.
  const fs::path trace = dir / "evaluate.csv";
  const std::string eval_cmd = fmt::format("{} evaluate --scenario seed --seed {} --episodes 1 --policies ppo:{} --trace-out {} --threads 1 >{} 2>&1",
                                           AUTOSCALE_CLI, kSeed, model, trace.string(), (dir / "evaluate.log").string());
  ASSERT_EQ(std::system(eval_cmd.c_str()), 0) << read_file_text(dir / "evaluate.log");
  const auto evaluated = read_trace(trace);
  ASSERT_GT(evaluated.size(), static_cast<std::size_t>(kMinutes));

  // The exporter, and Prometheus scraping it every 200 ms.
  Exporter exporter;
  const Scenario scenario = resolve_scenario("seed");
  Env env = scenario.make_env();
  env.reset(kSeed);
  exporter.publish(0, env.info());
  // It also scrapes control's own /metrics, which must parse as Prometheus reads them.
  const int metrics_port = autoscale::testing::unused_loopback_port();
  std::ofstream(dir / "prometheus.yml") << fmt::format(
      "global:\n  scrape_interval: 200ms\n  scrape_timeout: 200ms\nscrape_configs:\n  - job_name: sim\n"
      "    static_configs:\n      - targets: ['127.0.0.1:{}']\n  - job_name: control\n"
      "    static_configs:\n      - targets: ['127.0.0.1:{}']\n",
      exporter.port(), metrics_port);
  autoscale::testing::LocalPrometheus prom(dir / "prometheus.yml", dir / "data", dir / "prometheus.log");
  ASSERT_TRUE(prom.ready()) << "Prometheus did not become ready; its log:\n" << prom.log();

  // control, enforcing through the file actuator.
  const fs::path decisions = dir / "decisions.jsonl";
  autoscale::testing::Child control(
      {AUTOSCALE_CLI, "control", "--prometheus", prom.url(), "--service", "e2e", "--load-query", "sim_requests",
       "--failed-query", "sim_failed", "--fleet-query", "sim_active", "--warming-query", "sim_warming", "--clock-query",
       "sim_minute_timestamp_seconds", "--freshness-query", "timestamp(sim_minute_timestamp_seconds)", "--max-sample-age",
       "5s", "--settle", "400ms", "--every", "100ms", "--model", model, "--scenario", "seed", "--wall-clock", "false",
       "--actuate", "file:" + decisions.string(), "--enforce", "--metrics-port", std::to_string(metrics_port)},
      dir / "control.log");

  // The closed loop: minute n's decision, applied, makes minute n + 1.
  std::vector<StepInfo> simulated = {env.info()};
  std::vector<nlohmann::json> lines;
  for (std::int64_t n = 0; n < kMinutes; ++n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    bool found = false;
    while (!found && std::chrono::steady_clock::now() < deadline && control.running()) {
      lines = read_lines(decisions);
      found = !lines.empty() && lines.back().value("timestamp", std::int64_t{0}) == kBase + 60 * n;
      if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(found) << "no decision for minute " << n << " within 15 s; control's log:\n" << read_file_text(dir / "control.log");
    if (n + 1 == kMinutes) break;
    const Action a{lines.back()["add"].get<int>(), lines.back()["remove"].get<int>()};
    env.step(a);
    simulated.push_back(env.info());
    exporter.publish(n + 1, env.info());
  }
  // One more look at control's own metrics, directly and as Prometheus scraped them, then stop it.
  httplib::Client mc("127.0.0.1", metrics_port);
  const auto metrics = mc.Get("/metrics");
  nlohmann::json scraped;
  httplib::Client pc("127.0.0.1", prom.port());
  const std::string last_ts = std::to_string(kBase + 60 * (kMinutes - 1));
  for (int i = 0; i < 100; ++i) {
    const auto r = pc.Get("/api/v1/query?query=autoscale_control_desired%20and%20on(service)%20"
                          "autoscale_control_last_decision_timestamp_seconds%3D%3D" + last_ts);
    if (r && r->status == 200) scraped = nlohmann::json::parse(r->body);
    if (scraped.contains("data") && !scraped["data"]["result"].empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(control.stop(), 0) << read_file_text(dir / "control.log");
  prom.stop();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // One line per minute, in order, enforced, each evaluate's decision for that minute.
  lines = read_lines(decisions);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kMinutes)) << "a minute was decided twice or skipped";
  int compared = 0, mismatches = 0, nonzero = 0;
  for (std::int64_t n = 0; n < kMinutes; ++n) {
    const auto& l = lines[static_cast<std::size_t>(n)];
    EXPECT_EQ(l["minute"].get<std::int64_t>(), n);
    EXPECT_EQ(l["timestamp"].get<std::int64_t>(), kBase + 60 * n);
    EXPECT_TRUE(l["enforced"].get<bool>());
    EXPECT_EQ(l["service"], "e2e");
    // The simulated minute is evaluate's (same seed, same actions so far).
    if (n > 0) {
      const auto& row = evaluated.at(n);
      const StepInfo& s = simulated[static_cast<std::size_t>(n)];
      EXPECT_EQ(s.load, row.load) << "minute " << n;
      EXPECT_EQ(s.active, row.active) << "minute " << n;
      EXPECT_EQ(s.warming, row.warming) << "minute " << n;
      EXPECT_EQ(s.failed, row.failed) << "minute " << n;
    }
    // Minute n's decision is the action evaluate applied in minute n + 1.
    if (n + 1 < kMinutes) {
      const auto& next = evaluated.at(n + 1);
      ++compared;
      const bool same = l["add"].get<int>() == next.add && l["remove"].get<int>() == next.remove;
      mismatches += !same;
      EXPECT_TRUE(same) << "minute " << n << ": control " << l.dump() << ", evaluate add " << next.add << " remove " << next.remove;
      nonzero += next.add + next.remove > 0;
    }
  }
  EXPECT_EQ(compared, kMinutes - 1);
  EXPECT_GT(nonzero, 3) << "evaluate's episode barely acts: the comparison would prove little";
  ASSERT_TRUE(scraped.contains("data") && scraped["data"]["result"].size() == 1)
      << "Prometheus did not scrape control's last decision: " << scraped.dump();
  EXPECT_EQ(scraped["data"]["result"][0]["value"][1].get<std::string>(), std::to_string(lines.back()["desired"].get<int>()));
  EXPECT_EQ(scraped["data"]["result"][0]["metric"]["job"], "control");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, ::testing::HasSubstr("autoscale_control_enforced{service=\"e2e\"} 1"));
  EXPECT_THAT(metrics->body, ::testing::HasSubstr("autoscale_control_failsafe{service=\"e2e\",reason=\"stale_sample\"} 0"));
  EXPECT_THAT(metrics->body, ::testing::Not(::testing::HasSubstr("outcome=\"already_decided\"} 0")));
  std::cout << "[ e2e      ] " << kMinutes << " minutes through a real Prometheus in " << seconds << " s; " << compared
            << " decisions compared with evaluate's, " << mismatches << " differ; " << nonzero << " of them act\n";
  RecordProperty("seconds", std::to_string(seconds));
  RecordProperty("mismatches", std::to_string(mismatches));
  if (!HasFailure()) fs::remove_all(dir);  // kept for a look when the test fails
}

}  // namespace
}  // namespace autoscale::control
