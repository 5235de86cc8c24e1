#pragma once
// A loopback Kubernetes API server stub (cpp-httplib, TLS or plain HTTP) for the scale client's
// tests and for the real kubectl: it answers the discovery kubectl needs (/version, /api, /apis
// and the group versions), Deployments/StatefulSets/ReplicaSets and their scale subresource (GET,
// merge PATCH, PUT) and HorizontalPodAutoscaler lists, and records every request. Canned answers
// queued for "METHOD PATH" come first (a 409 once, 503 twice, a 403, ...).
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/x509.h>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "loopback_port.hpp"

namespace autoscale::testing {

struct RecordedRequest {
  std::string method, path, query, content_type, body, authorization, user_agent, accept_encoding;
  std::string client_cert_subject;  // the TLS client certificate's subject, "" without one
};

struct CannedAnswer {
  CannedAnswer(int status, std::string body, std::string retry_after = "")
      : status(status), body(std::move(body)), retry_after(std::move(retry_after)) {}
  int status;
  std::string body;
  std::string retry_after;
};

// A Kubernetes Status body.
inline std::string status_body(int code, const std::string& reason, const std::string& message) {
  return nlohmann::json{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                        {"status", "Failure"}, {"message", message}, {"reason", reason}, {"code", code}}
      .dump();
}

// A CA, a server certificate for 127.0.0.1 signed by it, and a client certificate signed by it
// (EC P-256, `openssl req`), in `dir`: ca.pem, server.pem/.key, client.pem/.key; and other-ca.pem,
// a CA that signed nothing here.
inline void make_certificates(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::string d = dir.string();
  const std::string req = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 ";
  const std::string cmd = "(cd '" + d + "' && " + req + "-keyout ca.key -out ca.pem -subj /CN=stub-ca && " + req +
                          "-keyout other-ca.key -out other-ca.pem -subj /CN=other-ca && " + req +
                          "-keyout server.key -out server.pem -subj /CN=stub-apiserver "
                          "-addext subjectAltName=IP:127.0.0.1,DNS:localhost -CA ca.pem -CAkey ca.key && " +
                          req + "-keyout client.key -out client.pem -subj /O=autoscale/CN=control -CA ca.pem -CAkey ca.key)";
  if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) throw std::runtime_error("openssl req failed: " + cmd);
}

class KubeStub {
 public:
  // Plain HTTP when cert is empty; with client_ca, TLS clients must present a certificate it signed.
  explicit KubeStub(const std::string& cert = "", const std::string& key = "", const std::string& client_ca = "") {
    if (cert.empty()) {
      server_ = std::make_unique<httplib::Server>();
    } else {
      server_ = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str(),
                                                     client_ca.empty() ? nullptr : client_ca.c_str());
    }
    if (!server_->is_valid()) throw std::runtime_error("KubeStub: the TLS server could not load its certificate");
    auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    server_->Get(".*", h);
    server_->Patch(".*", h);
    server_->Put(".*", h);
    server_->Post(".*", h);
    port_ = unused_loopback_port();
    if (!server_->bind_to_port("127.0.0.1", port_)) throw std::runtime_error("KubeStub: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
  }
  ~KubeStub() {
    server_->stop();
    thread_.join();
  }
  KubeStub(const KubeStub&) = delete;
  KubeStub& operator=(const KubeStub&) = delete;

  int port() const { return port_; }
  // Serve the API below this path only ("/k8s/clusters/c-1", as behind a proxy); "" = at the root.
  void set_path_prefix(const std::string& prefix) {
    std::lock_guard lock(mu_);
    prefix_ = prefix;
  }

  // Objects: "NS/RESOURCE/NAME" ("ns/deployments/web") -> spec.replicas.
  void set_replicas(const std::string& key, int replicas) {
    std::lock_guard lock(mu_);
    replicas_[key] = replicas;
  }
  int replicas(const std::string& key) {
    std::lock_guard lock(mu_);
    return replicas_.at(key);
  }
  void add_hpa(const std::string& ns, const std::string& name, const std::string& kind, const std::string& target,
               const std::string& api_version = "apps/v1") {
    std::lock_guard lock(mu_);
    hpas_[ns].push_back({{"metadata", {{"name", name}, {"namespace", ns}}},
                         {"spec",
                          {{"scaleTargetRef", {{"apiVersion", api_version}, {"kind", kind}, {"name", target}}},
                           {"minReplicas", 1},
                           {"maxReplicas", 10}}}});
  }
  // The next answers to "METHOD PATH" (path without the query), in order.
  void queue(const std::string& method_path, CannedAnswer a) {
    std::lock_guard lock(mu_);
    canned_[method_path].push_back(std::move(a));
  }
  std::vector<RecordedRequest> requests() {
    std::lock_guard lock(mu_);
    return recorded_;
  }
  // Requests other than discovery (/version, /api, /apis, /api/v1, /apis/G/V, /openapi).
  std::vector<RecordedRequest> object_requests() {
    std::vector<RecordedRequest> out;
    for (auto& r : requests())
      if (!is_discovery(r.path)) out.push_back(r);
    return out;
  }
  void clear() {
    std::lock_guard lock(mu_);
    recorded_.clear();
  }

 private:
  static bool is_discovery(const std::string& path) {
    static const std::regex kDiscovery(R"(^/(version|api|apis|api/v1|apis/[^/]+/[^/]+|openapi/.*)$)");
    return std::regex_match(path, kDiscovery);
  }

  static nlohmann::json resource(const std::string& name, const std::string& kind, std::vector<std::string> verbs,
                                 std::vector<std::string> short_names = {}) {
    nlohmann::json r{{"name", name}, {"singularName", ""}, {"namespaced", true}, {"kind", kind}, {"verbs", verbs}};
    if (!short_names.empty()) r["shortNames"] = short_names;
    if (name.ends_with("/scale")) {
      r["group"] = "autoscaling";
      r["version"] = "v1";
    }
    return r;
  }

  static nlohmann::json resource_list(const std::string& gv) {
    using J = nlohmann::json;
    J list = J::array();
    if (gv == "v1") {
      list = {resource("pods", "Pod", {"get", "list"}, {"po"}),
              resource("serviceaccounts", "ServiceAccount", {"create", "get", "list", "patch"}, {"sa"})};
    } else if (gv == "apps/v1") {
      for (const auto& [res, kind, shorts] :
           std::vector<std::tuple<std::string, std::string, std::string>>{
               {"deployments", "Deployment", "deploy"}, {"statefulsets", "StatefulSet", "sts"}, {"replicasets", "ReplicaSet", "rs"}}) {
        list.push_back(resource(res, kind, {"create", "get", "list", "patch", "update"}, {shorts}));
        list.push_back(resource(res + "/scale", "Scale", {"get", "patch", "update"}));
      }
    } else if (gv == "autoscaling/v2") {
      list = {resource("horizontalpodautoscalers", "HorizontalPodAutoscaler", {"get", "list"}, {"hpa"})};
    } else if (gv == "rbac.authorization.k8s.io/v1") {
      list = {resource("roles", "Role", {"create", "get", "list", "patch"}),
              resource("rolebindings", "RoleBinding", {"create", "get", "list", "patch"})};
    } else {
      return nullptr;
    }
    return J{{"kind", "APIResourceList"}, {"apiVersion", "v1"}, {"groupVersion", gv}, {"resources", list}};
  }

  nlohmann::json scale_json(const std::string& ns, const std::string& name, int replicas) const {
    return {{"kind", "Scale"},
            {"apiVersion", "autoscaling/v1"},
            {"metadata", {{"name", name}, {"namespace", ns}, {"resourceVersion", std::to_string(resource_version_)}}},
            {"spec", {{"replicas", replicas}}},
            {"status", {{"replicas", replicas}, {"selector", "app=" + name}}}};
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu_);
    RecordedRequest r{req.method, req.path, "", req.get_header_value("Content-Type"), req.body,
                      req.get_header_value("Authorization"), req.get_header_value("User-Agent"),
                      req.get_header_value("Accept-Encoding"), ""};
    if (const auto q = req.target.find('?'); q != std::string::npos) r.query = req.target.substr(q + 1);
    if (req.ssl) {
      if (X509* peer = SSL_get1_peer_certificate(req.ssl)) {
        char buf[256];
        X509_NAME_oneline(X509_get_subject_name(peer), buf, sizeof buf);
        r.client_cert_subject = buf;
        X509_free(peer);
      }
    }
    recorded_.push_back(r);

    auto json = [&](int status, const nlohmann::json& body) {
      res.status = status;
      res.set_content(body.dump(), "application/json");
    };
    auto not_found = [&](const std::string& what) { res.status = 404, res.set_content(status_body(404, "NotFound", what), "application/json"); };

    if (auto c = canned_.find(req.method + " " + req.path); c != canned_.end() && !c->second.empty()) {
      const CannedAnswer a = c->second.front();
      c->second.pop_front();
      res.status = a.status;
      res.set_content(a.body, "application/json");
      if (!a.retry_after.empty()) res.set_header("Retry-After", a.retry_after);
      return;
    }
    if (!req.path.starts_with(prefix_)) return not_found("outside the stub's path prefix");
    const std::string p = req.path.substr(prefix_.size());
    if (req.method == "GET") {
      if (p == "/version")
        return json(200, {{"major", "1"}, {"minor", "32"}, {"gitVersion", "v1.32.4"}, {"platform", "linux/amd64"}});
      if (p == "/api")
        return json(200, {{"kind", "APIVersions"},
                          {"versions", {"v1"}},
                          {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", "127.0.0.1"}}}}});
      if (p == "/apis") {
        nlohmann::json groups = nlohmann::json::array();
        for (const auto& [g, v] : std::vector<std::pair<std::string, std::string>>{
                 {"apps", "v1"}, {"autoscaling", "v2"}, {"rbac.authorization.k8s.io", "v1"}}) {
          const nlohmann::json gv{{"groupVersion", g + "/" + v}, {"version", v}};
          groups.push_back({{"name", g}, {"versions", {gv}}, {"preferredVersion", gv}});
        }
        return json(200, {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}});
      }
      if (p == "/api/v1") return json(200, resource_list("v1"));
      if (p.starts_with("/apis/") && std::count(p.begin(), p.end(), '/') == 3) {
        const auto list = resource_list(p.substr(6));
        if (!list.is_null()) return json(200, list);
      }
    }
    static const std::regex kHpas(R"(^/apis/autoscaling/v2/namespaces/([^/]+)/horizontalpodautoscalers$)");
    static const std::regex kObject(R"(^/apis/apps/v1/namespaces/([^/]+)/(deployments|statefulsets|replicasets)/([^/]+)(/scale)?$)");
    std::smatch m;
    if (req.method == "GET" && std::regex_match(p, m, kHpas)) {
      nlohmann::json items = hpas_.contains(m[1].str()) ? hpas_.at(m[1].str()) : nlohmann::json::array();
      return json(200, {{"kind", "HorizontalPodAutoscalerList"}, {"apiVersion", "autoscaling/v2"}, {"items", items}});
    }
    if (!std::regex_match(p, m, kObject)) return not_found("the server could not find the requested resource");
    const std::string ns = m[1], res_name = m[2], name = m[3];
    const bool scale = m[4].matched;
    const auto it = replicas_.find(ns + "/" + res_name + "/" + name);
    if (it == replicas_.end()) return not_found(res_name + ".apps \"" + name + "\" not found");
    if (req.method == "GET" && !scale) {
      std::string kind = res_name == "deployments" ? "Deployment" : res_name == "statefulsets" ? "StatefulSet" : "ReplicaSet";
      return json(200, {{"kind", kind},
                        {"apiVersion", "apps/v1"},
                        {"metadata", {{"name", name}, {"namespace", ns}, {"resourceVersion", std::to_string(resource_version_)}}},
                        {"spec", {{"replicas", it->second}}},
                        {"status", {{"replicas", it->second}}}});
    }
    if (req.method == "GET") return json(200, scale_json(ns, name, it->second));
    if (!scale) return json(405, nlohmann::json::parse(status_body(405, "MethodNotAllowed", "stub: only scale is written")));
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (req.method == "PATCH" && r.content_type != "application/merge-patch+json")
      return json(415, nlohmann::json::parse(status_body(415, "UnsupportedMediaType", "stub: merge patches only")));
    if (!body.is_object() || !body.contains("spec") || !body["spec"].contains("replicas") ||
        !body["spec"]["replicas"].is_number_integer())
      return json(422, nlohmann::json::parse(status_body(422, "Invalid", "stub: expected spec.replicas")));
    it->second = body["spec"]["replicas"].get<int>();
    ++resource_version_;
    return json(200, scale_json(ns, name, it->second));
  }

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<RecordedRequest> recorded_;
  std::map<std::string, int> replicas_;
  std::map<std::string, nlohmann::json> hpas_;
  std::map<std::string, std::deque<CannedAnswer>> canned_;
  int resource_version_ = 100;
  std::string prefix_;
};

}  // namespace autoscale::testing

namespace autoscale::testing {

// A kubeconfig with one context "stub" (current) for cluster "stub" and user "u"; `cluster` and
// `user` are the YAML lines of their mappings (indented by the caller with 4 spaces).
inline std::string kubeconfig_yaml(const std::string& cluster, const std::string& user) {
  return "apiVersion: v1\nkind: Config\nclusters:\n- name: stub\n  cluster:\n" + cluster +
         "contexts:\n- name: stub\n  context:\n    cluster: stub\n    user: u\n    namespace: ns\n"
         "current-context: stub\nusers:\n- name: u\n  user:\n" + user;
}

}  // namespace autoscale::testing
