#include "kubernetes/api_client.hpp"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "http/transport_error.hpp"

namespace autoscale::kubernetes {
namespace {

std::string openssl_reason() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no PEM block found";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}


}  // namespace

struct ApiClient::Impl {
  std::unique_ptr<httplib::ClientImpl> client;
  std::string ca_file;  // the CA bundle written out, so that only it (not the system's CAs) is trusted

  ~Impl() {
    if (!ca_file.empty()) std::filesystem::remove(ca_file);
  }
};

ApiClient::ApiClient(Connection connection, Timeouts timeouts)
    : connection_(std::move(connection)), impl_(std::make_unique<Impl>()) {
  const Connection& c = connection_;
  if (c.scheme == "http") {
    if (!c.client_cert_pem.empty() || !c.ca_pem.empty())
      throw Error(c.source + ": a certificate is given but the server is http://, not https://");
    impl_->client = std::make_unique<httplib::ClientImpl>(c.host, c.port);
  } else {
    std::unique_ptr<httplib::SSLClient> ssl;
    if (!c.client_cert_pem.empty()) {
      BIO* cert_bio = BIO_new_mem_buf(c.client_cert_pem.data(), static_cast<int>(c.client_cert_pem.size()));
      X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
      BIO_free(cert_bio);
      if (!cert) throw Error(c.source + ": the client certificate is not a PEM certificate: " + openssl_reason());
      BIO* key_bio = BIO_new_mem_buf(c.client_key_pem.data(), static_cast<int>(c.client_key_pem.size()));
      EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
      BIO_free(key_bio);
      if (!key) {
        X509_free(cert);
        throw Error(c.source + ": the client key is not a PEM private key: " + openssl_reason());
      }
      ssl = std::make_unique<httplib::SSLClient>(c.host, c.port, cert, key);  // the context takes references
      X509_free(cert);
      EVP_PKEY_free(key);
      if (!ssl->is_valid())
        throw Error(c.source + ": the client certificate and key do not match: " + openssl_reason());
    } else {
      ssl = std::make_unique<httplib::SSLClient>(c.host, c.port);
    }
    ssl->enable_server_certificate_verification(!c.insecure_skip_tls_verify);
    if (!c.ca_pem.empty()) {
      BIO* bio = BIO_new_mem_buf(c.ca_pem.data(), static_cast<int>(c.ca_pem.size()));
      X509* first = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
      BIO_free(bio);
      if (!first) throw Error(c.source + ": the certificate authority is not a PEM certificate: " + openssl_reason());
      X509_free(first);
      std::string tmpl = (std::filesystem::temp_directory_path() / "autoscale-kube-ca-XXXXXX").string();
      const int fd = mkstemp(tmpl.data());
      if (fd < 0) throw Error("cannot write the cluster CA to " + tmpl);
      close(fd);
      impl_->ca_file = tmpl;
      std::ofstream(tmpl, std::ios::binary) << c.ca_pem;
      ssl->set_ca_cert_path(tmpl);
    }
    impl_->client = std::move(ssl);
  }
  auto& cl = *impl_->client;
  cl.set_connection_timeout(timeouts.connect);
  cl.set_read_timeout(timeouts.read);
  cl.set_write_timeout(timeouts.read);
  // A connection per request: a few requests a minute, and no stale kept-alive socket to fail on.
  cl.set_keep_alive(false);
  if (!c.username.empty()) cl.set_basic_auth(c.username, c.password);
}

ApiClient::~ApiClient() = default;

std::string ApiClient::server() const {
  const bool v6 = connection_.host.find(':') != std::string::npos;
  return connection_.scheme + "://" + (v6 ? "[" + connection_.host + "]" : connection_.host) + ":" +
         std::to_string(connection_.port) + connection_.path_prefix;
}

HttpResponse ApiClient::send(const std::string& method, const std::string& path, const std::string& body,
                             const std::string& content_type) {
  httplib::Headers headers{{"Accept", "application/json, */*"}, {"User-Agent", "autoscale-control/0.1"}};
  if (const std::string token = connection_.bearer_token(); !token.empty())
    headers.emplace("Authorization", "Bearer " + token);
  const std::string full = connection_.path_prefix + path;
  auto& cl = *impl_->client;
  httplib::Result r{nullptr, httplib::Error::Unknown};
  if (method == "GET") r = cl.Get(full, headers);
  else if (method == "PATCH") r = cl.Patch(full, headers, body, content_type);
  else if (method == "PUT") r = cl.Put(full, headers, body, content_type);
  else if (method == "POST") r = cl.Post(full, headers, body, content_type);
  else throw Error("ApiClient: unsupported method " + method);
  HttpResponse out;
  if (!r) {
    out.transport_error = http::transport_error_text(r.error());
    out.tls_verification_failed =
        r.error() == httplib::Error::SSLServerVerification || r.error() == httplib::Error::SSLLoadingCerts;
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  out.content_type = r->get_header_value("Content-Type");
  out.retry_after = r->get_header_value("Retry-After");
  return out;
}

}  // namespace autoscale::kubernetes
