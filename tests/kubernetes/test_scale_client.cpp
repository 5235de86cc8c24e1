// The scale client against the loopback API server stub, in-process: the merge patch it sends,
// retries (409 after a re-read, 429, 5xx, connection errors) with their backoff, 403/404/401 as
// clear errors without retries, the HPA refusal, per-minute idempotence, TLS and its CA, client
// certificates and the in-cluster service account.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "kube_stub.hpp"
#include "kubernetes/scale_client.hpp"
#include "report_test_util.hpp"

namespace autoscale::kubernetes {
namespace {

using autoscale::testing::CannedAnswer;
using autoscale::testing::KubeStub;
using autoscale::testing::kubeconfig_yaml;
using autoscale::testing::status_body;
using std::chrono::milliseconds;

constexpr const char* kScale = "/apis/apps/v1/namespaces/ns/deployments/web/scale";
constexpr const char* kHpas = "/apis/autoscaling/v2/namespaces/ns/horizontalpodautoscalers";

Connection http_connection(int port) {
  Connection c;
  c.scheme = "http";
  c.host = "127.0.0.1";
  c.port = port;
  c.token = "t0ken";
  c.source = "test connection";
  return c;
}

struct Fixture {
  KubeStub stub;
  std::vector<milliseconds> sleeps;
  Fixture() { stub.set_replicas("ns/deployments/web", 2); }
  ScaleClient client(RetryPolicy retry = {}, const std::string& target = "ns/deployment/web") {
    return ScaleClient(http_connection(stub.port()), parse_target(target, "default"), retry, Timeouts{},
                       [this](milliseconds d) { sleeps.push_back(d); });
  }
  std::vector<std::string> calls() {
    std::vector<std::string> out;
    for (const auto& r : stub.object_requests()) out.push_back(r.method + " " + r.path);
    return out;
  }
};

TEST(KubernetesScale, PatchesTheScaleSubresourceWithAMergePatch) {
  Fixture f;
  auto c = f.client();
  const ApplyResult r = c.apply(5, 100);
  EXPECT_EQ(r.outcome, ApplyResult::Outcome::kPatched);
  EXPECT_EQ(r.previous, 2);
  EXPECT_EQ(r.replicas, 5);
  EXPECT_EQ(f.stub.replicas("ns/deployments/web"), 5);
  EXPECT_EQ(f.calls(), (std::vector<std::string>{"GET " + std::string(kHpas), "GET " + std::string(kScale),
                                                  "PATCH " + std::string(kScale)}));
  const auto patch = f.stub.object_requests().back();
  EXPECT_EQ(patch.content_type, "application/merge-patch+json");
  EXPECT_EQ(patch.body, R"({"spec":{"replicas":5}})");
  EXPECT_EQ(patch.query, "");
  EXPECT_EQ(patch.authorization, "Bearer t0ken");
  EXPECT_EQ(r.requests, 3);
  EXPECT_TRUE(f.sleeps.empty());
}

TEST(KubernetesScale, GetReadsTheScale) {
  Fixture f;
  f.stub.set_replicas("ns/statefulsets/db", 3);
  const Scale s = f.client({}, "ns/sts/db").get();
  EXPECT_EQ(s.spec_replicas, 3);
  EXPECT_EQ(s.status_replicas, 3);
  EXPECT_EQ(s.selector, "app=db");
  EXPECT_EQ(s.resource_version, "100");
  EXPECT_EQ(f.calls(), std::vector<std::string>{"GET /apis/apps/v1/namespaces/ns/statefulsets/db/scale"});
}

TEST(KubernetesScale, IdempotentPerMinute) {
  Fixture f;
  auto c = f.client();
  EXPECT_EQ(c.apply(5, 10).outcome, ApplyResult::Outcome::kPatched);
  f.stub.clear();
  // The same minute and replicas again: nothing is sent at all.
  const ApplyResult again = c.apply(5, 10);
  EXPECT_EQ(again.outcome, ApplyResult::Outcome::kAlreadyApplied);
  EXPECT_EQ(again.requests, 0);
  EXPECT_TRUE(f.stub.requests().empty());
  // A new minute with the replicas already there: read, but no patch.
  const ApplyResult next = c.apply(5, 11);
  EXPECT_EQ(next.outcome, ApplyResult::Outcome::kAlreadyAtDesired);
  EXPECT_EQ(f.calls(), (std::vector<std::string>{"GET " + std::string(kHpas), "GET " + std::string(kScale)}));
  // The same minute with other replicas (a changed decision) is sent.
  f.stub.clear();
  EXPECT_EQ(c.apply(7, 11).outcome, ApplyResult::Outcome::kPatched);
  EXPECT_EQ(f.stub.replicas("ns/deployments/web"), 7);
  EXPECT_THROW(c.apply(-1, 12), Error);
}

TEST(KubernetesScale, A409ConflictIsReReadAndRetried) {
  Fixture f;
  f.stub.queue(std::string("PATCH ") + kScale,
               {409, status_body(409, "Conflict", "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified")});
  auto c = f.client();
  const ApplyResult r = c.apply(5, 1);
  EXPECT_EQ(r.outcome, ApplyResult::Outcome::kPatched);
  EXPECT_EQ(f.stub.replicas("ns/deployments/web"), 5);
  EXPECT_EQ(f.calls(), (std::vector<std::string>{"GET " + std::string(kHpas), "GET " + std::string(kScale),
                                                  "PATCH " + std::string(kScale), "GET " + std::string(kScale),
                                                  "PATCH " + std::string(kScale)}));
  EXPECT_EQ(f.sleeps, std::vector<milliseconds>{milliseconds(500)});
}

TEST(KubernetesScale, AConflictWhoseReReadShowsTheDesiredReplicasStops) {
  Fixture f;
  f.stub.queue(std::string("PATCH ") + kScale, {409, status_body(409, "Conflict", "modified")});
  auto c = f.client();
  // Someone else sets 5 between our GET and PATCH: the re-read after the 409 sees it.
  f.stub.queue(std::string("GET ") + kScale,
               {200, R"({"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web"},"spec":{"replicas":2}})"});
  f.stub.queue(std::string("GET ") + kScale,
               {200, R"({"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web"},"spec":{"replicas":5}})"});
  EXPECT_EQ(c.apply(5, 1).outcome, ApplyResult::Outcome::kAlreadyAtDesired);
  EXPECT_EQ(f.calls().size(), 4u);  // HPA list, GET, PATCH (409), GET
}

TEST(KubernetesScale, ServerErrorsAreRetriedWithExponentialBackoff) {
  Fixture f;
  const std::string patch = std::string("PATCH ") + kScale;
  f.stub.queue(patch, {503, status_body(503, "ServiceUnavailable", "etcd leader changed")});
  f.stub.queue(patch, {500, status_body(500, "InternalError", "boom")});
  f.stub.queue(patch, {502, "bad gateway"});
  auto c = f.client({.attempts = 5, .initial = milliseconds(100), .factor = 2.0, .max = milliseconds(300)});
  EXPECT_EQ(c.apply(5, 1).outcome, ApplyResult::Outcome::kPatched);
  EXPECT_EQ(f.sleeps, (std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(300)}));
  EXPECT_EQ(f.stub.replicas("ns/deployments/web"), 5);
}

TEST(KubernetesScale, RetriesRunOutWithTheLastAnswer) {
  Fixture f;
  for (int i = 0; i < 5; ++i)
    f.stub.queue(std::string("PATCH ") + kScale, {503, status_body(503, "ServiceUnavailable", "etcd leader changed")});
  auto c = f.client({.attempts = 3});
  try {
    c.apply(5, 1);
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind, ApiError::Kind::kRetriesExhausted);
    EXPECT_EQ(e.status, 503);
    EXPECT_NE(std::string(e.what()).find("failed 3 times"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("etcd leader changed"), std::string::npos) << e.what();
  }
  EXPECT_EQ(f.sleeps, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000)}));
  EXPECT_EQ(f.stub.replicas("ns/deployments/web"), 2);
}

TEST(KubernetesScale, OneCallStopsRetryingBeforeItsBudgetRunsOut) {
  Fixture f;
  // Four 503s: the calls the budget lets through (then the queue is empty for the next call).
  for (int i = 0; i < 4; ++i)
    f.stub.queue(std::string("PATCH ") + kScale, {503, status_body(503, "ServiceUnavailable", "etcd leader changed")});
  // Waits 500, 1000, 2000 (3.5 s in all); the next, 4 s, would end past the 5 s budget.
  auto c = f.client({.attempts = 10, .initial = milliseconds(500), .factor = 2.0, .max = milliseconds(8000),
                     .budget = milliseconds(5000)});
  try {
    c.apply(5, 1);
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind, ApiError::Kind::kRetriesExhausted);
    EXPECT_NE(std::string(e.what()).find("would pass the call's budget of 5000 ms"), std::string::npos) << e.what();
  }
  EXPECT_EQ(f.sleeps, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000), milliseconds(2000)}));
  // The budget is per call: the next minute's call starts afresh (and succeeds once the server does).
  f.stub.clear();
  f.sleeps.clear();
  EXPECT_EQ(c.apply(5, 2).outcome, ApplyResult::Outcome::kPatched);
}

TEST(KubernetesScale, A429HonoursRetryAfterUpToTheMaximum) {
  Fixture f;
  f.stub.queue(std::string("GET ") + kScale, {429, status_body(429, "TooManyRequests", "slow down"), "3"});
  f.stub.queue(std::string("GET ") + kScale, {429, status_body(429, "TooManyRequests", "slow down"), "60"});
  auto c = f.client();
  EXPECT_EQ(c.get().spec_replicas, 2);
  EXPECT_EQ(f.sleeps, (std::vector<milliseconds>{milliseconds(3000), milliseconds(8000)}));
}

TEST(KubernetesScale, ForbiddenIsNotRetriedAndNamesTheVerb) {
  Fixture f;
  f.stub.queue(std::string("PATCH ") + kScale,
               {403, status_body(403, "Forbidden",
                                 "deployments.apps \"web\" is forbidden: User \"system:serviceaccount:ns:control\" cannot "
                                 "patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"ns\"")});
  auto c = f.client();
  try {
    c.apply(5, 1);
    FAIL() << "no error";
  } catch (const ApiError& e) {
    const std::string m = e.what();
    EXPECT_EQ(e.kind, ApiError::Kind::kForbidden);
    EXPECT_EQ(e.status, 403);
    EXPECT_NE(m.find("403 Forbidden"), std::string::npos) << m;
    EXPECT_NE(m.find("RBAC verb 'patch' on resource 'deployments/scale' (API group apps) in namespace ns"), std::string::npos) << m;
    EXPECT_NE(m.find("deployment ns/web"), std::string::npos) << m;
    EXPECT_NE(m.find("system:serviceaccount:ns:control"), std::string::npos) << m;
  }
  EXPECT_TRUE(f.sleeps.empty());
  EXPECT_EQ(f.calls().back(), "PATCH " + std::string(kScale));
  EXPECT_EQ(f.calls().size(), 3u);
}

TEST(KubernetesScale, ForbiddenHpaListNamesListOnHorizontalPodAutoscalers) {
  Fixture f;
  f.stub.queue(std::string("GET ") + kHpas, {403, status_body(403, "Forbidden", "cannot list")});
  auto c = f.client();
  try {
    c.apply(5, 1);
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind, ApiError::Kind::kForbidden);
    EXPECT_NE(std::string(e.what()).find("RBAC verb 'list' on resource 'horizontalpodautoscalers' (API group autoscaling)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(f.calls().size(), 1u);
}

TEST(KubernetesScale, NotFoundIsNotRetriedAndNamesTheObject) {
  Fixture f;
  auto c = f.client({}, "ns/deployment/nope");
  try {
    c.apply(5, 1);
    FAIL() << "no error";
  } catch (const ApiError& e) {
    const std::string m = e.what();
    EXPECT_EQ(e.kind, ApiError::Kind::kNotFound);
    EXPECT_NE(m.find("404 Not Found: no deployment ns/nope"), std::string::npos) << m;
    EXPECT_NE(m.find("deployments.apps \"nope\" not found"), std::string::npos) << m;
  }
  EXPECT_TRUE(f.sleeps.empty());
  EXPECT_EQ(f.calls().size(), 2u);  // the HPA list and the one GET
}

TEST(KubernetesScale, UnauthorizedAndOtherRejectionsAreNotRetried) {
  Fixture f;
  f.stub.queue(std::string("GET ") + kScale, {401, status_body(401, "Unauthorized", "Unauthorized")});
  f.stub.queue(std::string("GET ") + kScale, {422, status_body(422, "Invalid", "spec.replicas: Invalid value")});
  auto c = f.client();
  try {
    c.get();
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind, ApiError::Kind::kUnauthorized);
    EXPECT_NE(std::string(e.what()).find("credentials of test connection were rejected"), std::string::npos) << e.what();
  }
  try {
    c.get();
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind, ApiError::Kind::kRejected);
    EXPECT_EQ(e.status, 422);
  }
  EXPECT_TRUE(f.sleeps.empty());
}

TEST(KubernetesScale, RefusesWhenAnHpaTargetsTheObject) {
  Fixture f;
  f.stub.add_hpa("ns", "other", "Deployment", "api");    // another object: no matter
  f.stub.add_hpa("ns", "db-hpa", "StatefulSet", "web");  // same name, other kind: no matter
  f.stub.add_hpa("elsewhere", "web", "Deployment", "web");
  auto c = f.client();
  EXPECT_EQ(c.hpa_targeting(), std::nullopt);
  f.stub.add_hpa("ns", "web-hpa", "Deployment", "web");
  EXPECT_EQ(c.hpa_targeting(), "web-hpa");
  f.stub.clear();
  try {
    c.apply(5, 1);
    FAIL() << "no refusal";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind, ApiError::Kind::kHpaConflict);
    EXPECT_NE(std::string(e.what()).find("refusing to scale deployment ns/web: HorizontalPodAutoscaler ns/web-hpa targets it"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(f.calls(), std::vector<std::string>{"GET " + std::string(kHpas)});
  EXPECT_EQ(f.stub.replicas("ns/deployments/web"), 2);
}

TEST(KubernetesScale, ConnectionErrorsAreRetriedThenReported) {
  std::vector<milliseconds> sleeps;
  ScaleClient c(http_connection(autoscale::testing::unused_loopback_port()), parse_target("ns/deployment/web", "x"),
                {.attempts = 3, .initial = milliseconds(10)}, Timeouts{milliseconds(500), milliseconds(500)},
                [&](milliseconds d) { sleeps.push_back(d); });
  try {
    c.get();
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind, ApiError::Kind::kRetriesExhausted);
    EXPECT_EQ(e.status, 0);
    EXPECT_NE(std::string(e.what()).find("cannot connect"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sleeps, (std::vector<milliseconds>{milliseconds(10), milliseconds(20)}));
}

TEST(KubernetesScale, TargetsParse) {
  EXPECT_EQ(parse_target("shop/deployment/web", "d").scale_path(), "/apis/apps/v1/namespaces/shop/deployments/web/scale");
  EXPECT_EQ(parse_target("deploy/web", "d").ns, "d");
  EXPECT_EQ(parse_target("sts/db", "d").kind, "StatefulSet");
  EXPECT_EQ(parse_target("x/replicasets/r", "d").resource, "replicasets");
  EXPECT_EQ(parse_target("shop/deployment/web", "d").describe(), "deployment shop/web");
  EXPECT_THROW(parse_target("web", "d"), Error);
  EXPECT_THROW(parse_target("a/b/c/d", "d"), Error);
  EXPECT_THROW(parse_target("ns/daemonset/x", "d"), Error);
  EXPECT_THROW(parse_target("Bad_NS/deployment/web", "d"), Error);
  EXPECT_THROW(parse_target("ns/deployment/", "d"), Error);
}

// --- TLS ---------------------------------------------------------------------------------------

struct Tls {
  report_test::TempDir dir{"kube_tls"};
  Tls() { autoscale::testing::make_certificates(dir.path); }
  std::string file(const std::string& name) const { return (dir.path / name).string(); }
  std::string b64(const std::string& name) const {
    const std::string out = file(name) + ".b64";
    EXPECT_EQ(std::system(("base64 -w0 '" + file(name) + "' > '" + out + "'").c_str()), 0);
    std::ifstream in(out);
    std::string s;
    std::getline(in, s);
    return s;
  }
};

TEST(KubernetesScale, TlsWithTheKubeconfigsCaAndToken) {
  Tls tls;
  KubeStub stub(tls.file("server.pem"), tls.file("server.key"));
  stub.set_replicas("ns/deployments/web", 2);
  const auto kc = tls.dir.write(
      "kubeconfig", kubeconfig_yaml("    server: https://127.0.0.1:" + std::to_string(stub.port()) +
                                        "\n    certificate-authority: ca.pem\n",  // relative to the kubeconfig
                                    "    token: abc\n"));
  ScaleClient c(from_kubeconfig(kc.string()), parse_target("deployment/web", "ns"));
  EXPECT_EQ(c.target().ns, "ns");
  EXPECT_EQ(c.apply(4, 1).outcome, ApplyResult::Outcome::kPatched);
  EXPECT_EQ(stub.replicas("ns/deployments/web"), 4);
  EXPECT_EQ(stub.requests().back().authorization, "Bearer abc");
  // No compressed answers are asked for (so a kubeconfig's disable-compression holds as it is).
  EXPECT_EQ(stub.requests().back().accept_encoding, "");
}

TEST(KubernetesScale, TlsRefusesAServerItsCaDidNotSign) {
  Tls tls;
  KubeStub stub(tls.file("server.pem"), tls.file("server.key"));
  stub.set_replicas("ns/deployments/web", 2);
  const auto kc = tls.dir.write(
      "kubeconfig", kubeconfig_yaml("    server: https://127.0.0.1:" + std::to_string(stub.port()) +
                                        "\n    certificate-authority-data: " + tls.b64("other-ca.pem") + "\n",
                                    "    token: abc\n"));
  std::vector<milliseconds> sleeps;
  ScaleClient c(from_kubeconfig(kc.string()), parse_target("deployment/web", "ns"), {}, {},
                [&](milliseconds d) { sleeps.push_back(d); });
  try {
    c.get();
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind, ApiError::Kind::kTls);
    EXPECT_NE(std::string(e.what()).find("did not verify"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(sleeps.empty());
  EXPECT_TRUE(stub.requests().empty());
  // insecure-skip-tls-verify connects to the same server.
  const auto insecure = tls.dir.write(
      "insecure", kubeconfig_yaml("    server: https://127.0.0.1:" + std::to_string(stub.port()) +
                                      "\n    insecure-skip-tls-verify: true\n",
                                  "    token: abc\n"));
  EXPECT_EQ(ScaleClient(from_kubeconfig(insecure.string()), parse_target("deployment/web", "ns")).get().spec_replicas, 2);
}

TEST(KubernetesScale, ClientCertificateFromKubeconfigData) {
  Tls tls;
  KubeStub stub(tls.file("server.pem"), tls.file("server.key"), tls.file("ca.pem"));
  stub.set_replicas("ns/deployments/web", 2);
  const std::string cluster = "    server: https://127.0.0.1:" + std::to_string(stub.port()) +
                              "\n    certificate-authority-data: " + tls.b64("ca.pem") + "\n";
  const auto kc = tls.dir.write("kubeconfig", kubeconfig_yaml(cluster, "    client-certificate-data: " + tls.b64("client.pem") +
                                                                           "\n    client-key-data: " + tls.b64("client.key") + "\n"));
  ScaleClient c(from_kubeconfig(kc.string()), parse_target("deployment/web", "ns"));
  EXPECT_EQ(c.apply(3, 1).outcome, ApplyResult::Outcome::kPatched);
  const auto last = stub.requests().back();
  EXPECT_NE(last.client_cert_subject.find("CN=control"), std::string::npos) << last.client_cert_subject;
  EXPECT_EQ(last.authorization, "");
  // Without the certificate the server refuses the handshake.
  const auto anon = tls.dir.write("anon", kubeconfig_yaml(cluster, "    token: abc\n"));
  ScaleClient a(from_kubeconfig(anon.string()), parse_target("deployment/web", "ns"), {.attempts = 1});
  EXPECT_THROW(a.get(), ApiError);
}

TEST(KubernetesScale, AServerBehindAPathPrefix) {
  Fixture f;
  f.stub.set_path_prefix("/k8s/clusters/c-1");
  Connection c = http_connection(f.stub.port());
  c.path_prefix = "/k8s/clusters/c-1";
  ScaleClient client(c, parse_target("ns/deployment/web", "default"));
  EXPECT_EQ(client.apply(4, 1).outcome, ApplyResult::Outcome::kPatched);
  EXPECT_EQ(f.stub.requests().back().path, "/k8s/clusters/c-1" + std::string(kScale));
  EXPECT_EQ(f.stub.replicas("ns/deployments/web"), 4);
}

TEST(KubernetesScale, BasicAuthFromKubeconfig) {
  Tls tls;
  KubeStub stub(tls.file("server.pem"), tls.file("server.key"));
  stub.set_replicas("ns/deployments/web", 2);
  const auto kc = tls.dir.write(
      "kubeconfig", kubeconfig_yaml("    server: https://localhost:" + std::to_string(stub.port()) +
                                        "\n    certificate-authority: " + tls.file("ca.pem") + "\n",
                                    "    username: admin\n    password: pw\n"));
  ScaleClient c(from_kubeconfig(kc.string()), parse_target("deployment/web", "ns"));
  EXPECT_EQ(c.get().spec_replicas, 2);
  EXPECT_EQ(stub.requests().back().authorization, "Basic YWRtaW46cHc=");  // base64("admin:pw")
}

TEST(KubernetesScale, InClusterServiceAccount) {
  Tls tls;
  KubeStub stub(tls.file("server.pem"), tls.file("server.key"));
  stub.set_replicas("team/deployments/web", 2);
  const auto token = tls.dir.write("token", "first-token\n");
  tls.dir.write("namespace", "team");
  setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
  setenv("KUBERNETES_SERVICE_PORT", std::to_string(stub.port()).c_str(), 1);
  const InClusterPaths paths{token.string(), tls.file("ca.pem"), tls.file("namespace")};
  ConnectionOptions options;
  options.in_cluster = paths;
  const Connection conn = resolve_connection(options);
  EXPECT_EQ(conn.source, "in-cluster service account");
  EXPECT_EQ(conn.default_namespace, "team");
  ScaleClient c(conn, parse_target("deployment/web", conn.default_namespace));
  EXPECT_EQ(c.get().spec_replicas, 2);
  EXPECT_EQ(stub.requests().back().authorization, "Bearer first-token");
  // The kubelet rotates the projected token: the next request sends the new one.
  tls.dir.write("token", "second-token");
  EXPECT_EQ(c.apply(6, 1).outcome, ApplyResult::Outcome::kPatched);
  EXPECT_EQ(stub.requests().back().authorization, "Bearer second-token");
  EXPECT_EQ(stub.replicas("team/deployments/web"), 6);
  unsetenv("KUBERNETES_SERVICE_PORT");
  EXPECT_THROW(in_cluster(paths), Error);
  unsetenv("KUBERNETES_SERVICE_HOST");
}

}  // namespace
}  // namespace autoscale::kubernetes
