// `autoscale control --actuate kubernetes:...` as an operator runs it, against the loopback API
// server stub (tests/kubernetes/kube_stub.hpp, whose requests the real kubectl's are checked
// against) and a Prometheus stand-in: enforcing, the decision lands as the Deployment's replicas,
// once per minute however many ticks; an HPA on the same Deployment makes control refuse to start.
#include "serve_test_util.hpp"  // first: Eigen before httplib

#include <gmock/gmock.h>

#include <fstream>

#include "child_process.hpp"
#include "cli_run.hpp"
#include "control/kubernetes_actuator.hpp"
#include "control_test_util.hpp"
#include "kubernetes/kube_stub.hpp"
#include "loopback_port.hpp"

namespace autoscale::control {
namespace {

using ::testing::HasSubstr;
using autoscale::testing::KubeStub;

constexpr const char* kScale = "/apis/apps/v1/namespaces/ns/deployments/web/scale";

std::filesystem::path write_kubeconfig(const std::filesystem::path& dir, int port) {
  const auto path = dir / "kubeconfig";
  std::ofstream(path) << autoscale::testing::kubeconfig_yaml("    server: http://127.0.0.1:" + std::to_string(port) + "\n",
                                                             "    token: t0ken\n");
  return path;
}

std::vector<std::string> patches(KubeStub& stub) {
  std::vector<std::string> out;
  for (const auto& r : stub.object_requests()) {
    if (r.method == "PATCH" && r.path == kScale) out.push_back(r.body);
  }
  return out;
}

TEST(ControlKubernetes, TheActuatorPatchesOncePerMinuteAndReportsApiErrorsAsActuationErrors) {
  KubeStub stub;
  stub.set_replicas("ns/deployments/web", 30);
  const auto dir = serve_testing::temp_dir("control_kube_actuator");
  ActuatorOptions o;
  o.kubeconfig = write_kubeconfig(dir, stub.port()).string();
  auto a = make_actuator("kubernetes:deployment/web", o);  // the kubeconfig context's namespace, ns
  EXPECT_EQ(a->describe(), "kubernetes:ns/deployments/web");
  a->check_enforce();
  Actuation act{"api", 3, 1'700'000'040, 34, 4, 0, true};
  a->apply(act);
  a->apply(act);  // the same minute again (a retried tick): nothing sent
  EXPECT_EQ(stub.replicas("ns/deployments/web"), 34);
  EXPECT_EQ(patches(stub), std::vector<std::string>{R"({"spec":{"replicas":34}})"});
  // The state's minute counter restarting does not make a new minute look applied: the key is
  // the minute's UTC time.
  act.minute = 3;
  act.timestamp += 60;
  act.desired = 31;
  a->apply(act);
  EXPECT_EQ(stub.replicas("ns/deployments/web"), 31);
  stub.queue(std::string("PATCH ") + kScale, {403, autoscale::testing::status_body(403, "Forbidden", "nope")});
  act.timestamp += 60;
  act.desired = 33;
  EXPECT_THROW(a->apply(act), ActuationError);
  EXPECT_EQ(stub.replicas("ns/deployments/web"), 31);
  stub.add_hpa("ns", "web-hpa", "Deployment", "web");
  try {
    a->check_enforce();
    ADD_FAILURE() << "enforcing beside an HPA was allowed";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("HorizontalPodAutoscaler ns/web-hpa targets deployment ns/web"));
  }
  std::filesystem::remove_all(dir);
}

TEST(ControlKubernetes, EnforcingThroughTheCliSetsTheDeploymentsReplicasOrRefusesBesideAnHpa) {
  KubeStub stub;
  stub.set_replicas("ns/deployments/web", 30);
  control_testing::FakePrometheus prom;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  prom.value("clock", static_cast<double>(now));
  prom.value("load", 9000);
  prom.value("fleet", 30);
  prom.value("fresh", static_cast<double>(now));
  const auto dir = serve_testing::temp_dir("control_kube_cli");
  const auto kubeconfig = write_kubeconfig(dir, stub.port());
  const int metrics_port = autoscale::testing::unused_loopback_port();
  const std::vector<std::string> args = {
      AUTOSCALE_CLI, "control", "--prometheus", prom.url(), "--service", "api", "--load-query", "load", "--fleet-query", "fleet",
      "--clock-query", "clock", "--freshness-query", "fresh", "--settle", "0", "--every", "100ms", "--model", serve_testing::trained_model("seed"),
      "--wall-clock", "false", "--actuate", "kubernetes:ns/deployment/web", "--kubeconfig", kubeconfig.string(), "--enforce",
      "--metrics-port", std::to_string(metrics_port)};
  {
    autoscale::testing::Child control(args, dir / "control.log");
    // Decided, then at least two more ticks in the same minute (which must not act again).
    const std::string again = "autoscale_control_ticks_total{service=\"api\",outcome=\"already_decided\"}";
    const std::string metrics = control_testing::wait_for_metrics(
        metrics_port, [&](const std::string& m) { return control_testing::metric_value(m, again) >= 2; });
    ASSERT_FALSE(metrics.empty()) << "no decided minute with two more ticks in it within 30 s";
    const int status = control.stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << autoscale::testing::read_file_text(dir / "control.log");
    const auto at = metrics.find("autoscale_control_desired{");
    ASSERT_NE(at, std::string::npos) << metrics;
    const int desired = std::stoi(metrics.substr(metrics.find("} ", at) + 2));
    EXPECT_EQ(stub.replicas("ns/deployments/web"), desired);
    EXPECT_LE(patches(stub).size(), 1u) << "one minute, at most one patch (none if the fleet already had it)";
    EXPECT_THAT(metrics, HasSubstr("autoscale_control_enforced{service=\"api\"} 1"));
  }
  // An HPA owns the Deployment: control refuses to start enforcing, naming it, and sends no patch.
  stub.clear();
  stub.add_hpa("ns", "web-hpa", "Deployment", "web");
  std::string cmd;
  for (const auto& a : args) cmd += "'" + a + "' ";
  const auto refused = autoscale::testing::run_cli(cmd.substr(cmd.find("'control'")), autoscale::testing::Stderr::kMerge);
  EXPECT_EQ(refused.code, 1) << refused.out;
  EXPECT_THAT(refused.out, HasSubstr("HorizontalPodAutoscaler ns/web-hpa targets deployment ns/web"));
  EXPECT_TRUE(patches(stub).empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace autoscale::control
