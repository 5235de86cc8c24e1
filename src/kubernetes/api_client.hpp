#pragma once
// One HTTP(S) request at a time to a Kubernetes API server, authenticated the way the Connection
// says (bearer token re-read per request, client certificate, basic auth) and with the server's
// certificate checked against the connection's CA only (or the system's when it names none).
#include <chrono>
#include <memory>
#include <string>

#include "kubernetes/connection.hpp"

namespace autoscale::kubernetes {

struct HttpResponse {
  int status = 0;             // 0: no answer (see transport_error)
  std::string body;
  std::string content_type;
  std::string retry_after;    // the Retry-After header, if any
  std::string transport_error;  // "cannot connect", "the server's TLS certificate did not verify", ...
  bool tls_verification_failed = false;  // the server's certificate did not verify (or the CAs did not load)
};

struct Timeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds read{15000};
};

class ApiClient {
 public:
  explicit ApiClient(Connection connection, Timeouts timeouts = {});
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // `path` below the server's path prefix, with its query ("/apis/apps/v1/...?x=y").
  HttpResponse send(const std::string& method, const std::string& path, const std::string& body = "",
                    const std::string& content_type = "");

  const Connection& connection() const { return connection_; }
  // "https://10.0.0.1:443" (for messages).
  std::string server() const;

 private:
  struct Impl;
  Connection connection_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace autoscale::kubernetes
