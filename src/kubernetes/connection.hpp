#pragma once
// Where a Kubernetes API server is and how to authenticate to it: the pod's service account
// (in-cluster) or one context of a kubeconfig file, the two ways kubectl and client-go connect.
#include <optional>
#include <string>

#include "core/error.hpp"

namespace autoscale::kubernetes {

struct Connection {
  std::string scheme = "https";  // "https" or "http"
  std::string host;              // "10.0.0.1", "api.example.com" or "::1" (no brackets)
  int port = 443;
  std::string path_prefix;       // "" or "/k8s/clusters/c-1" (a server behind a proxy path)

  // TLS: the CA bundle (PEM) the server's certificate must chain to; empty = the system's CAs.
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  // Client certificate authentication (PEM), both or neither.
  std::string client_cert_pem;
  std::string client_key_pem;

  // Bearer token: given inline, or read from token_file before every request (a projected
  // service-account token is rotated by the kubelet while the process runs).
  std::string token;
  std::string token_file;
  // Basic authentication (kubeconfig username/password).
  std::string username;
  std::string password;

  // The namespace a target without one uses: the service account's, or the context's.
  std::string default_namespace = "default";
  // Where this came from, for messages: "in-cluster service account" or "kubeconfig K, context C".
  std::string source;

  // The token to send now ("" = none): token, else token_file's current content.
  std::string bearer_token() const;
};

// The in-cluster files, overridable for tests.
struct InClusterPaths {
  std::string token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_cert = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// The pod's service account: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, the token, the
// cluster CA and the namespace file. Error when the variables or files are missing.
Connection in_cluster(const InClusterPaths& paths = {});

// One context of a kubeconfig (`context` empty = its current-context). Relative file paths in it
// are relative to the kubeconfig's folder, as kubectl reads them. A field this client cannot honour
// (exec or auth-provider credential plugins, proxy-url, tls-server-name, impersonation) or does
// not know is an Error naming the file, line and field. Read without effect: `extensions` and
// `preferences` (information for other tools) and `disable-compression` (this client never asks
// for compressed answers). Conflicting pairs (a CA file and CA data, token and tokenFile, a CA with
// insecure-skip-tls-verify) are errors, not a silent precedence.
Connection from_kubeconfig(const std::string& path, const std::string& context = "");

// How a caller picks: an explicit kubeconfig wins; else in-cluster when KUBERNETES_SERVICE_HOST
// is set; else $KUBECONFIG (one file) or ~/.kube/config.
struct ConnectionOptions {
  std::string kubeconfig;
  std::string context;
  InClusterPaths in_cluster;
};
Connection resolve_connection(const ConnectionOptions& options);


}  // namespace autoscale::kubernetes
