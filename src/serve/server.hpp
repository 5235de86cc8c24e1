#pragma once
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"
#include "serve/connection_limits.hpp"
#include "serve/http_request.hpp"
#include "serve/json_log.hpp"
#include "serve/model_registry.hpp"
#include "serve/prometheus.hpp"
#include "serve/service_mirror.hpp"
#include "serve/state_store.hpp"

namespace autoscale::serve {

class HttpServer;

// What the stateful API last decided for a service: the `last_decision` that GET
// /v1/services/{id} shows and the last POST of its metrics answered. For the other front ends on
// top of this one (the KEDA scaler), which answer exactly what the HTTP routes answer.
struct ServiceDecision {
  bool has_reports = false;    // false: the service exists (PUT) but has no decision yet
  int desired = 0;             // the fleet to steer to
  std::int64_t minute = 0;     // of the decision
  std::int64_t timestamp = 0;  // start of the decided minute, UTC epoch seconds
  std::string model;           // the model the service uses
  bool dry_run = false;        // the server's --dry-run or the service's own
};

struct ServeOptions {
  std::map<std::string, std::string> models;  // name -> model file; "default" is required
  std::string scenario = "seed";              // the service shape the models act on
  std::string host = "127.0.0.1";
  int port = 8080;                            // 0 = any free port (tests)
  ConnectionLimits limits;
  std::string token_file;                     // with it, every route but /ping needs the bearer token
  std::string state_dir;                      // persisted service state (none = memory only)
  bool dry_run = false;                       // every service's decisions are marked not to act on
  bool fsync = true;                          // fdatasync each accepted minute before answering
  std::size_t max_body_bytes = 1 << 20;
  int max_gap_minutes = 60;                   // default for new services
  LogLevel log_level = LogLevel::kInfo;
  std::FILE* log_out = stderr;
};

// The HTTP server: the SageMaker inference contract (/ping, /invocations), the stateful decision
// API (/v1/services/...), Prometheus metrics (/metrics). docs/serving.md documents the routes.
class Server {
 public:
  explicit Server(ServeOptions options);  // loads models and persisted state; throws Error
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int bind();  // binds host:port and returns the port; throws Error
  void run();  // serves until stop(); returns once the requests in progress are answered
  void stop();
  // Re-reads the model files (SIGHUP). A model that fails keeps serving its previous version.
  void reload_models();
  // The service's latest decision; nullopt when there is no such service.
  std::optional<ServiceDecision> service_decision(const std::string& id);
  const ServeOptions& options() const { return o_; }
  JsonLog& log() { return log_; }

 private:
  struct Entry;
  // `log` collects extra JSON members for the request's log line.
  using Handler = std::function<HttpResponse(const HttpRequest&, std::string& log)>;
  struct Route {
    std::string method, path, name;  // path: a literal or kService / kServiceMetrics
    Handler handler;
  };
  static constexpr const char* kService = "/v1/services/{id}";
  static constexpr const char* kServiceMetrics = "/v1/services/{id}/metrics";

  void route(const char* method, const char* path, const char* name, Handler h);
  void routes();
  static std::string_view pattern_of(HttpRequest& req);
  // Every request: routing (404, 405), the token, the handler, metrics and the log line.
  HttpResponse dispatch(HttpRequest& req);
  bool authorized(const HttpRequest& req) const;

  HttpResponse ping();
  HttpResponse invocations(const HttpRequest& req);
  HttpResponse post_metrics(const std::string& id, const HttpRequest& req, std::string& log);
  HttpResponse put_service(const std::string& id, const HttpRequest& req);
  HttpResponse get_service(const std::string& id);
  HttpResponse delete_service(const std::string& id);
  HttpResponse list_services();
  HttpResponse prometheus();

  std::shared_ptr<Entry> find(const std::string& id);
  std::shared_ptr<Entry> create(const std::string& id, const ServiceConfig& config);
  void ensure_current_model(Entry& e);
  ServiceConfig default_config() const;

  ServeOptions o_;
  Scenario scenario_;
  std::filesystem::path temp_snapshots_;  // removed at exit when there is no state dir
  std::unique_ptr<ModelRegistry> models_;
  std::optional<StateStore> store_;
  std::string token_;
  JsonLog log_;
  ServerMetrics metrics_;
  std::vector<Route> routes_;
  std::unique_ptr<HttpServer> http_;
  std::mutex services_mu_;
  std::map<std::string, std::shared_ptr<Entry>> services_;
};

}  // namespace autoscale::serve
