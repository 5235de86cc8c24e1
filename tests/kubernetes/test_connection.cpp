// Kubeconfig and in-cluster connections: what is read, and every field that cannot be honoured
// or is malformed is an error naming the file, the line and the field.
#include <gtest/gtest.h>

#include <cstdlib>

#include "kube_stub.hpp"
#include "kubernetes/connection.hpp"
#include "report_test_util.hpp"

namespace autoscale::kubernetes {
namespace {

using autoscale::testing::kubeconfig_yaml;

std::string error_of(const std::string& path, const std::string& context = "") {
  try {
    from_kubeconfig(path, context);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(KubernetesConnection, ReadsTheCurrentContext) {
  report_test::TempDir dir("kube_conn");
  dir.write("ca.pem", "CA PEM");
  dir.write("token", " tok-from-file\n");
  const auto kc = dir.write("kc", kubeconfig_yaml("    server: https://[::1]:6443/k8s/clusters/c-1/\n    certificate-authority: ca.pem\n",
                                                  "    tokenFile: token\n"));
  const Connection c = from_kubeconfig(kc.string());
  EXPECT_EQ(c.scheme, "https");
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.port, 6443);
  EXPECT_EQ(c.path_prefix, "/k8s/clusters/c-1");
  EXPECT_EQ(c.ca_pem, "CA PEM");
  EXPECT_EQ(c.bearer_token(), "tok-from-file");
  EXPECT_EQ(c.default_namespace, "ns");
  EXPECT_EQ(c.source, "kubeconfig " + kc.string() + ", context stub");
}

TEST(KubernetesConnection, ANamedContextAndDataFields) {
  report_test::TempDir dir("kube_conn");
  const auto kc = dir.write("kc", R"(apiVersion: v1
kind: Config
current-context: a
preferences: {}
clusters:
- name: ca
  cluster: {server: "https://a.example:443"}
- name: cb
  cluster:
    server: https://b.example
    certificate-authority-data: Q0EgREFUQQ==
contexts:
- name: a
  context: {cluster: ca, user: ua}
- name: b
  context: {cluster: cb, user: ub, namespace: prod}
users:
- name: ua
  user: {token: A}
- name: ub
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
)");
  const Connection a = from_kubeconfig(kc.string());
  EXPECT_EQ(a.host, "a.example");
  EXPECT_EQ(a.token, "A");
  EXPECT_EQ(a.default_namespace, "default");
  const Connection b = from_kubeconfig(kc.string(), "b");
  EXPECT_EQ(b.host, "b.example");
  EXPECT_EQ(b.port, 443);
  EXPECT_EQ(b.ca_pem, "CA DATA");
  EXPECT_EQ(b.client_cert_pem, "CERT");
  EXPECT_EQ(b.client_key_pem, "KEY");
  EXPECT_EQ(b.default_namespace, "prod");
  EXPECT_NE(error_of(kc.string(), "c").find("no context named 'c' in contexts"), std::string::npos);
}

TEST(KubernetesConnection, FieldsItCannotHonourAreErrorsNamingFileLineAndField) {
  report_test::TempDir dir("kube_conn");
  const std::string server = "    server: https://127.0.0.1:6443\n";
  struct Case {
    std::string cluster, user, expected;
  };
  const std::vector<Case> cases = {
      {server, "    exec:\n      command: aws\n", ":17: users[u].user.exec: not supported (credential plugins are not run"},
      {server, "    auth-provider:\n      name: gcp\n", ":17: users[u].user.auth-provider: not supported"},
      {server, "    as: admin\n", "users[u].user.as: not supported (impersonation)"},
      {server, "    tokn: x\n", ":17: users[u].user.tokn: unknown field"},
      {server + "    proxy-url: http://proxy:3128\n", "    token: x\n", ":7: clusters[stub].cluster.proxy-url: not supported"},
      {server + "    tls-server-name: api\n", "    token: x\n", "clusters[stub].cluster.tls-server-name: not supported"},
      {"    certificate-authority-data: AAAA\n", "    token: x\n", "clusters[stub].cluster.server: missing"},
      {"    server: ftp://x\n", "    token: x\n", ":6: clusters[stub].cluster.server: expected https://HOST[:PORT][/PATH]"},
      {server + "    certificate-authority-data: '*not base64*'\n", "    token: x\n",
       ":7: clusters[stub].cluster.certificate-authority-data: not valid base64"},
      {server + "    certificate-authority: missing.pem\n", "    token: x\n", "missing.pem (" },
      {server + "    insecure-skip-tls-verify: maybe\n", "    token: x\n", "insecure-skip-tls-verify: expected true or false"},
      {server + "    insecure-skip-tls-verify: true\n    certificate-authority-data: AAAA\n", "    token: x\n",
       "insecure-skip-tls-verify together with a certificate authority"},
      {server, "    client-certificate-data: AAAA\n", "a client certificate needs its key"},
      {server, "    token: a\n    tokenFile: f\n", "both token and tokenFile"},
      {server, "    username: u\n", "username and password go together"},
  };
  for (const auto& c : cases) {
    const auto kc = dir.write("kc", kubeconfig_yaml(c.cluster, c.user));
    const std::string e = error_of(kc.string());
    EXPECT_NE(e.find(kc.string()), std::string::npos) << e;
    EXPECT_NE(e.find(c.expected), std::string::npos) << "expected '" << c.expected << "' in: " << e;
  }
  EXPECT_NE(error_of((dir.path / "absent").string()).find("cannot read kubeconfig"), std::string::npos);
  const auto bad_yaml = dir.write("bad", "clusters: [\n");
  EXPECT_NE(error_of(bad_yaml.string()).find("not valid YAML"), std::string::npos);
  const auto no_current = dir.write("nocur", "apiVersion: v1\nclusters: []\n");
  EXPECT_NE(error_of(no_current.string()).find("no current-context"), std::string::npos);
  const auto top = dir.write("top", "apiVersion: v1\ncurrent-context: x\nclustres: []\n");
  EXPECT_NE(error_of(top.string()).find(":3: kubeconfig.clustres: unknown field"), std::string::npos) << error_of(top.string());
}

TEST(KubernetesConnection, InClusterNeedsItsVariablesAndFiles) {
  report_test::TempDir dir("kube_conn");
  unsetenv("KUBERNETES_SERVICE_HOST");
  EXPECT_THROW(in_cluster({}), Error);
  setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
  setenv("KUBERNETES_SERVICE_PORT", "443x", 1);
  const InClusterPaths paths{(dir.path / "token").string(), (dir.path / "ca.crt").string(), (dir.path / "namespace").string()};
  try {
    in_cluster(paths);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("KUBERNETES_SERVICE_PORT is not a port"), std::string::npos) << e.what();
  }
  setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  try {
    in_cluster(paths);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(paths.token), std::string::npos) << e.what();
  }
  dir.write("token", "t");
  dir.write("ca.crt", "CA");
  dir.write("namespace", "prod\n");
  const Connection c = in_cluster(paths);
  EXPECT_EQ(c.host, "fd00::1");
  EXPECT_EQ(c.port, 443);
  EXPECT_EQ(c.default_namespace, "prod");
  EXPECT_EQ(c.bearer_token(), "t");
  // An explicit kubeconfig wins over the pod's service account.
  const auto kc = dir.write("kc", kubeconfig_yaml("    server: http://127.0.0.1:1\n", "    token: k\n"));
  ConnectionOptions options;
  options.in_cluster = paths;
  EXPECT_EQ(resolve_connection(options).source, "in-cluster service account");
  options.kubeconfig = kc.string();
  EXPECT_EQ(resolve_connection(options).token, "k");
  unsetenv("KUBERNETES_SERVICE_HOST");
  unsetenv("KUBERNETES_SERVICE_PORT");
  setenv("KUBECONFIG", kc.string().c_str(), 1);
  EXPECT_EQ(resolve_connection({}).token, "k");
  setenv("KUBECONFIG", (kc.string() + ":" + kc.string()).c_str(), 1);
  EXPECT_THROW(resolve_connection({}), Error);
  unsetenv("KUBECONFIG");
}


}  // namespace
}  // namespace autoscale::kubernetes
