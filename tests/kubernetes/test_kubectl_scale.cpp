// The scale client's request against the real kubectl's: both talk to the same loopback API server
// stub (TLS), whose recorded scale requests must be the same (method, path, query, content type,
// body, credentials). Skipped without kubectl, failed instead under CI=1.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "ci_env.hpp"
#include "kube_stub.hpp"
#include "kubernetes/scale_client.hpp"
#include "report_test_util.hpp"

namespace autoscale::kubernetes {
namespace {

namespace fs = std::filesystem;
using autoscale::testing::KubeStub;
using autoscale::testing::kubeconfig_yaml;
using autoscale::testing::RecordedRequest;
using autoscale::testing::status_body;

constexpr const char* kScale = "/apis/apps/v1/namespaces/ns/deployments/web/scale";

std::string find_kubectl() {
  if (const char* k = std::getenv("KUBECTL"); k && *k) return k;
  if (fs::exists("/usr/bin/kubectl")) return "/usr/bin/kubectl";
  FILE* p = popen("command -v kubectl 2>/dev/null", "r");
  std::array<char, 512> buf{};
  std::string out;
  while (fgets(buf.data(), buf.size(), p)) out += buf.data();
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

#define REQUIRE_KUBECTL()                                                                                       \
  const std::string kubectl = find_kubectl();                                                                   \
  if (kubectl.empty()) AUTOSCALE_SKIP_UNLESS_CI("kubectl is not installed (scripts/setup.sh installs Debian's kubernetes-client)")

struct KubectlRun {
  int code = -1;
  std::string output;
};

struct StubAndKubeconfig {
  report_test::TempDir dir{"kubectl_scale"};
  std::unique_ptr<KubeStub> stub;
  fs::path kubeconfig;

  explicit StubAndKubeconfig(bool client_certificate = false) {
    autoscale::testing::make_certificates(dir.path);
    const auto f = [&](const char* n) { return (dir.path / n).string(); };
    stub = std::make_unique<KubeStub>(f("server.pem"), f("server.key"), client_certificate ? f("ca.pem") : "");
    stub->set_replicas("ns/deployments/web", 2);
    const std::string cluster = "    server: https://127.0.0.1:" + std::to_string(stub->port()) + "\n    certificate-authority: " +
                                f("ca.pem") + "\n";
    const std::string user = client_certificate ? "    client-certificate: " + f("client.pem") + "\n    client-key: " + f("client.key") + "\n"
                                                : "    token: s3cret-token\n";
    kubeconfig = dir.write("kubeconfig", kubeconfig_yaml(cluster, user));
  }

  KubectlRun kubectl(const std::string& exe, const std::string& args) const {
    // A HOME and discovery cache of its own, so nothing outside the test's folder is read or written.
    const std::string cmd = "HOME='" + dir.path.string() + "' '" + exe + "' --kubeconfig '" + kubeconfig.string() +
                            "' --cache-dir '" + (dir.path / "cache").string() + "' " + args + " 2>&1";
    KubectlRun r;
    FILE* p = popen(cmd.c_str(), "r");
    std::array<char, 4096> buf{};
    while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) r.output.append(buf.data(), n);
    const int status = pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
  }

  ScaleClient client(const std::string& target = "ns/deployment/web") const {
    return ScaleClient(from_kubeconfig(kubeconfig.string()), parse_target(target, "default"), {.attempts = 3},
                       Timeouts{}, [](std::chrono::milliseconds) {});
  }

  // The requests to the scale subresource that write it.
  std::vector<RecordedRequest> writes() const {
    std::vector<RecordedRequest> out;
    for (const auto& r : stub->requests())
      if (r.path == kScale && r.method != "GET") out.push_back(r);
    return out;
  }
};

void expect_same(const RecordedRequest& ours, const RecordedRequest& theirs) {
  EXPECT_EQ(ours.method, theirs.method);
  EXPECT_EQ(ours.path, theirs.path);
  EXPECT_EQ(ours.query, theirs.query);
  EXPECT_EQ(ours.content_type, theirs.content_type);
  EXPECT_EQ(ours.body, theirs.body);
  EXPECT_EQ(ours.authorization, theirs.authorization);
  EXPECT_EQ(ours.client_cert_subject, theirs.client_cert_subject);
}

TEST(KubectlScale, OurScaleRequestIsKubectlScalesRequest) {
  REQUIRE_KUBECTL();
  StubAndKubeconfig s;
  const KubectlRun k = s.kubectl(kubectl, "scale deployment/web --replicas=5 -n ns");
  ASSERT_EQ(k.code, 0) << k.output;
  ASSERT_EQ(s.stub->replicas("ns/deployments/web"), 5);
  const auto theirs = s.writes();
  ASSERT_EQ(theirs.size(), 1u);
  // What kubectl sends, written out, so a change in kubectl shows here too.
  EXPECT_EQ(theirs[0].method, "PATCH");
  EXPECT_EQ(theirs[0].content_type, "application/merge-patch+json");
  EXPECT_EQ(theirs[0].body, R"({"spec":{"replicas":5}})");
  EXPECT_EQ(theirs[0].query, "");
  EXPECT_EQ(theirs[0].authorization, "Bearer s3cret-token");

  s.stub->set_replicas("ns/deployments/web", 2);
  s.stub->clear();
  auto c = s.client();
  EXPECT_EQ(c.apply(5, 0).outcome, ApplyResult::Outcome::kPatched);
  EXPECT_EQ(s.stub->replicas("ns/deployments/web"), 5);
  const auto ours = s.writes();
  ASSERT_EQ(ours.size(), 1u);
  expect_same(ours[0], theirs[0]);
}

TEST(KubectlScale, AStatefulSetToo) {
  REQUIRE_KUBECTL();
  StubAndKubeconfig s;
  s.stub->set_replicas("ns/statefulsets/db", 1);
  const KubectlRun k = s.kubectl(kubectl, "scale statefulset/db --replicas=3 -n ns");
  ASSERT_EQ(k.code, 0) << k.output;
  const std::string path = "/apis/apps/v1/namespaces/ns/statefulsets/db/scale";
  auto writes = [&] {
    std::vector<RecordedRequest> out;
    for (const auto& r : s.stub->requests())
      if (r.path == path && r.method != "GET") out.push_back(r);
    return out;
  };
  const auto theirs = writes();
  ASSERT_EQ(theirs.size(), 1u);
  s.stub->set_replicas("ns/statefulsets/db", 1);
  s.stub->clear();
  auto c = s.client("ns/sts/db");
  EXPECT_EQ(c.apply(3, 0).outcome, ApplyResult::Outcome::kPatched);
  const auto ours = writes();
  ASSERT_EQ(ours.size(), 1u);
  expect_same(ours[0], theirs[0]);
  EXPECT_EQ(ours[0].body, R"({"spec":{"replicas":3}})");
}

TEST(KubectlScale, WithAClientCertificateBothSendTheSame) {
  REQUIRE_KUBECTL();
  StubAndKubeconfig s(/*client_certificate=*/true);
  const KubectlRun k = s.kubectl(kubectl, "scale deployment/web --replicas=9 -n ns");
  ASSERT_EQ(k.code, 0) << k.output;
  const auto theirs = s.writes();
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_NE(theirs[0].client_cert_subject.find("CN=control"), std::string::npos);
  s.stub->set_replicas("ns/deployments/web", 2);
  s.stub->clear();
  auto c = s.client();
  EXPECT_EQ(c.apply(9, 0).outcome, ApplyResult::Outcome::kPatched);
  const auto ours = s.writes();
  ASSERT_EQ(ours.size(), 1u);
  expect_same(ours[0], theirs[0]);
}

TEST(KubectlScale, ForbiddenFailsBothWithTheSameRequest) {
  REQUIRE_KUBECTL();
  StubAndKubeconfig s;
  const std::string body = status_body(403, "Forbidden",
                                       "deployments.apps \"web\" is forbidden: User \"system:serviceaccount:ns:control\" "
                                       "cannot patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"ns\"");
  s.stub->queue(std::string("PATCH ") + kScale, {403, body});
  const KubectlRun k = s.kubectl(kubectl, "scale deployment/web --replicas=5 -n ns");
  EXPECT_NE(k.code, 0) << k.output;
  EXPECT_NE(k.output.find("forbidden"), std::string::npos) << k.output;
  const auto theirs = s.writes();
  ASSERT_EQ(theirs.size(), 1u);  // kubectl does not retry a 403 either
  s.stub->clear();
  s.stub->queue(std::string("PATCH ") + kScale, {403, body});
  auto c = s.client();
  try {
    c.apply(5, 0);
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind, ApiError::Kind::kForbidden);
    EXPECT_NE(std::string(e.what()).find("needs RBAC verb 'patch' on resource 'deployments/scale'"), std::string::npos) << e.what();
  }
  const auto ours = s.writes();
  ASSERT_EQ(ours.size(), 1u);
  expect_same(ours[0], theirs[0]);
  EXPECT_EQ(s.stub->replicas("ns/deployments/web"), 2);
}

TEST(KubectlScale, NotFoundFailsBoth) {
  REQUIRE_KUBECTL();
  StubAndKubeconfig s;
  const KubectlRun k = s.kubectl(kubectl, "scale deployment/nope --replicas=5 -n ns");
  EXPECT_NE(k.code, 0) << k.output;
  // (kubectl words it "the server could not find the requested resource".)
  EXPECT_TRUE(k.output.find("not found") != std::string::npos || k.output.find("could not find") != std::string::npos)
      << k.output;
  bool asked = false;
  for (const auto& r : s.stub->requests()) asked |= r.path == "/apis/apps/v1/namespaces/ns/deployments/nope";
  EXPECT_TRUE(asked);
  auto c = s.client("ns/deployment/nope");
  try {
    c.apply(5, 0);
    FAIL() << "no error";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.kind, ApiError::Kind::kNotFound);
    EXPECT_NE(std::string(e.what()).find("no deployment ns/nope"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(s.writes().empty());
}

TEST(KubectlScale, OnAConflictOrA503WeResendKubectlsRequestAndSucceed) {
  REQUIRE_KUBECTL();
  for (const int status : {409, 503}) {
    SCOPED_TRACE(status);
    StubAndKubeconfig s;
    const std::string body = status_body(status, status == 409 ? "Conflict" : "ServiceUnavailable", "try again");
    s.stub->queue(std::string("PATCH ") + kScale, {status, body});
    const KubectlRun k = s.kubectl(kubectl, "scale deployment/web --replicas=5 -n ns");
    const auto theirs = s.writes();
    ASSERT_FALSE(theirs.empty()) << k.output;
    // kubectl resends the same patch after a 409 (without re-reading) and gives up on a 503
    // without Retry-After; we re-read the scale after a 409 and retry both.
    if (status == 409) {
      EXPECT_EQ(k.code, 0) << k.output;
      ASSERT_EQ(theirs.size(), 2u);
      expect_same(theirs[1], theirs[0]);
    }
    s.stub->set_replicas("ns/deployments/web", 2);
    s.stub->clear();
    s.stub->queue(std::string("PATCH ") + kScale, {status, body});
    auto c = s.client();
    EXPECT_EQ(c.apply(5, 0).outcome, ApplyResult::Outcome::kPatched);
    EXPECT_EQ(s.stub->replicas("ns/deployments/web"), 5);
    const auto ours = s.writes();
    ASSERT_EQ(ours.size(), 2u);
    expect_same(ours[0], theirs[0]);
    expect_same(ours[1], theirs[0]);
  }
}

}  // namespace
}  // namespace autoscale::kubernetes
