// The `autoscale serve` binary: SIGKILL between two minutes loses nothing (the restarted server
// answers every later minute exactly as an uninterrupted one), SIGHUP reloads the model and keeps
// the old one when the new file is bad, SIGTERM exits cleanly.
#include "eval/policy_factory.hpp"
#include "serve_test_util.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>

namespace autoscale::serve {
namespace {

using namespace serve_testing;

// A child server, killed when the test is done with it, also when an assertion ends the test early.
struct ServeProcess {
  pid_t pid = -1;
  int port = 0;
  std::filesystem::path log;
  ServeProcess() = default;
  ServeProcess(ServeProcess&& o) noexcept : pid(o.pid), port(o.port), log(std::move(o.log)) { o.pid = -1; }
  ServeProcess& operator=(ServeProcess&&) = delete;
  ~ServeProcess() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  // Sends `sig` and waits for the exit; returns waitpid's status.
  int signal_and_wait(int sig) {
    ::kill(pid, sig);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }
};

// Starts the binary on an ephemeral loopback port and reads the port from its "listening" log line.
ServeProcess start_serve(const std::vector<std::string>& args, const std::filesystem::path& log) {
  ServeProcess p;
  p.log = log;
  std::filesystem::remove(log);
  p.pid = fork();
  if (p.pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    const int null = ::open("/dev/null", O_WRONLY);
    dup2(null, 1);
    std::vector<std::string> all = {AUTOSCALE_CLI, "serve", "--port", "0"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(AUTOSCALE_CLI, argv.data());
    _exit(127);
  }
  for (int i = 0; i < 500 && p.port == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      const auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.value("msg", "") == "listening") p.port = j.value("port", 0);
    }
  }
  return p;
}

std::vector<nlohmann::json> operator_reports(int minutes) {
  // An operator's service under its own autoscaler (HPA), as its monitoring reports it.
  const Scenario s = resolve_scenario("seed");
  Env env = s.make_env();
  auto hpa = make_policy(parse_policy_spec("hpa"), s);
  env.reset(9);
  hpa->reset(env);
  std::vector<nlohmann::json> out;
  for (int m = 0; m < minutes; ++m) {
    const StepInfo& i = env.info();
    out.push_back({{"timestamp", 1'700'000'040 + 60 * m}, {"load", i.load}, {"failed", i.failed}, {"active", i.active}, {"warming", i.warming}});
    env.step(hpa->act(env));
  }
  return out;
}

nlohmann::json post(httplib::Client& c, const nlohmann::json& report) {
  const auto r = c.Post("/v1/services/live/metrics", report.dump(), "application/json");
  if (!r) throw std::runtime_error("no answer: " + httplib::to_string(r.error()));
  if (r->status != 200) throw std::runtime_error("HTTP " + std::to_string(r->status) + ": " + r->body);
  return nlohmann::json::parse(r->body);
}

TEST(ServeRestart, SigkillBetweenTwoMinutesLosesNothing) {
  const std::string model = trained_model("default");  // extended features: a day of history
  const auto reports = operator_reports(1520);
  // The uninterrupted reference.
  std::vector<nlohmann::json> reference;
  {
    LiveServer live(options_for(model));
    auto c = live.client();
    c.set_keep_alive(true);
    for (const auto& r : reports) reference.push_back(post(c, r));
  }
  const auto dir = temp_dir("restart");
  const std::vector<std::string> args = {"--model", model, "--state-dir", (dir / "state").string(), "--log-level", "info"};
  std::size_t next = 0;
  int distinct = 0;
  for (const std::size_t kill_at : {std::size_t{700}, std::size_t{1460}, reports.size()}) {
    ServeProcess p = start_serve(args, dir / "serve.log");
    ASSERT_GT(p.port, 0) << "server did not start; see " << p.log;
    httplib::Client c("127.0.0.1", p.port);
    c.set_tcp_nodelay(true);
    c.set_keep_alive(true);
    if (next > 0) {
      // The retry a client makes when the crash swallowed its answer: the same decision again.
      const auto again = post(c, reports[next - 1]);
      EXPECT_TRUE(again["duplicate"].get<bool>());
      EXPECT_EQ(again["add"], reference[next - 1]["add"]);
      EXPECT_EQ(again["remove"], reference[next - 1]["remove"]);
    }
    for (; next < kill_at; ++next) {
      const auto d = post(c, reports[next]);
      ASSERT_EQ(d["minute"], reference[next]["minute"]) << next;
      ASSERT_EQ(d["add"], reference[next]["add"]) << "minute " << next << " after a restart";
      ASSERT_EQ(d["remove"], reference[next]["remove"]) << "minute " << next;
      ASSERT_EQ(d["desired"], reference[next]["desired"]) << "minute " << next;
      if (next > 0 && d["add"] != reference[next - 1]["add"]) ++distinct;
    }
    const int status = p.signal_and_wait(SIGKILL);
    EXPECT_TRUE(WIFSIGNALED(status));
  }
  EXPECT_GT(distinct, 10) << "decisions that never change would make this test vacuous";
}

TEST(ServeRestart, SighupReloadsAndSigtermExitsCleanly) {
  const auto dir = temp_dir("signals");
  const auto path = dir / "model";
  std::filesystem::copy_file(trained_model("seed"), path);
  const std::string v1 = nlohmann::json::parse(std::ifstream(path)).at("checksum");
  ServeProcess p = start_serve({"--model", path.string()}, dir / "serve.log");
  ASSERT_GT(p.port, 0);
  httplib::Client c("127.0.0.1", p.port);
  const auto checksum = [&] {
    return nlohmann::json::parse(c.Get("/ping")->body)["models"][0]["checksum"].get<std::string>();
  };
  EXPECT_EQ(checksum(), v1);
  std::ofstream(path) << "{\"format\": \"autoscale-model\", \"trunc";
  ::kill(p.pid, SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(checksum(), v1) << "a bad file must not replace the served model";
  rl::Agent next = rl::load_model(trained_model("seed"));
  next.actor.params().array() *= 1.5f;
  rl::save_model(next, path);
  const std::string v2 = nlohmann::json::parse(std::ifstream(path)).at("checksum");
  ::kill(p.pid, SIGHUP);
  std::string now;
  for (int i = 0; i < 100 && (now = checksum()) != v2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(now, v2);
  const int status = p.signal_and_wait(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::ifstream in(p.log);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(all.find("model reload failed"), std::string::npos);
  EXPECT_NE(all.find("\"msg\":\"stopped\""), std::string::npos);
}

}  // namespace
}  // namespace autoscale::serve

namespace autoscale::serve {
namespace {

std::pair<int, std::string> run_cli(const std::string& args) {
  const std::string cmd = std::string(AUTOSCALE_CLI) + " " + args + " 2>&1 >/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

TEST(ServeCli, FailuresExitOneUsageErrorsExitTwo) {
  const auto [no_model, e1] = run_cli("serve");
  EXPECT_EQ(no_model, 2) << e1;
  const auto [missing, e2] = run_cli("serve --model /nonexistent/model --port 0");
  EXPECT_EQ(missing, 1);
  EXPECT_EQ(e2, "autoscale: error: cannot read model file /nonexistent/model\n");
  const auto [bad_level, e3] = run_cli("serve --model " + serve_testing::trained_model("seed") + " --port 0 --log-level loud");
  EXPECT_EQ(bad_level, 1);
  EXPECT_NE(e3.find("unknown log level 'loud'"), std::string::npos) << e3;
  // Nothing listens on port 1: replay fails with one line naming the request.
  const auto [unreachable, e4] = run_cli("replay --server http://127.0.0.1:1 --model " + serve_testing::trained_model("seed"));
  EXPECT_EQ(unreachable, 1);
  EXPECT_EQ(e4.rfind("autoscale: error: GET /ping: ", 0), 0u) << e4;
}

}  // namespace
}  // namespace autoscale::serve
