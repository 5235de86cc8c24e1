#include "serve/server.hpp"

#include <fmt/format.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "serve/http_error.hpp"
#include "serve/invocation.hpp"
#include "serve/http_server.hpp"
#include "serve/text_file.hpp"

namespace autoscale::serve {
namespace {

nlohmann::json error_body(const std::string& message) { return {{"error", message}}; }

// Invalid UTF-8 a client sent (a field name quoted in an error) is replaced, never a throw.
HttpResponse json_reply(const nlohmann::json& j, int status = 200) {
  return {status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "application/json", {}};
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Every byte of the longer string is compared whatever differs first: the time says nothing
  // about how much of the token was right.
  unsigned diff = a.size() != b.size() ? 1u : 0u;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

std::string media_type(const HttpRequest& req) {
  std::string t = req.header("Content-Type");
  t = std::string(trim(t.substr(0, t.find(';'))));
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

nlohmann::json parse_json_body(const HttpRequest& req) {
  if (media_type(req) != "application/json") {
    throw bad_request(fmt::format("Content-Type must be application/json, got '{}'", req.header("Content-Type")));
  }
  try {
    return nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::parse_error& e) {
    throw bad_request(fmt::format("body is not valid JSON (at byte {})", e.byte));
  } catch (const nlohmann::json::exception&) {
    throw bad_request("body is not valid JSON (a number out of range)");  // e.g. 1e999
  }
}

std::string read_token(const std::string& path) {
  const std::string token(trim(read_text_file(path, "token file")));
  if (token.empty()) throw Error(fmt::format("token file {} is empty", path));
  return token;
}

}  // namespace

struct Server::Entry {
  std::mutex mu;
  ServiceMirror mirror;
  std::string built_with;  // checksum of the model the mirror's policy was built from
  bool deleted = false;
  Entry(Env env, ServiceConfig c) : mirror(std::move(env), std::move(c), nullptr) {}
};

Server::Server(ServeOptions options)
    : o_(std::move(options)), scenario_(resolve_scenario(o_.scenario)), log_(o_.log_level, o_.log_out),
      http_(std::make_unique<HttpServer>(o_.limits, o_.max_body_bytes, [this](HttpRequest& req) { return dispatch(req); })) {
  if (!o_.models.count("default")) throw Error("serve needs a model (--model PATH)");
  std::filesystem::path snapshots;
  if (!o_.state_dir.empty()) {
    store_.emplace(o_.state_dir, o_.fsync);
    snapshots = std::filesystem::path(o_.state_dir) / "models";
  } else {
    std::string tmpl = (std::filesystem::temp_directory_path() / "autoscale-serve-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw Error("cannot create a temporary directory for model snapshots");
    temp_snapshots_ = snapshots = tmpl;
  }
  models_ = std::make_unique<ModelRegistry>(o_.models, snapshots, scenario_);
  if (!o_.token_file.empty()) token_ = read_token(o_.token_file);
  if (store_) {
    for (auto& s : store_->load_all(scenario_.service.warmup_latency)) {
      if (!models_->has(s.config.model)) {
        throw Error(fmt::format("service '{}' (in {}) uses model '{}', which this server was not given", s.id, o_.state_dir,
                                s.config.model));
      }
      auto e = std::make_shared<Entry>(scenario_.make_env(), s.config);
      ensure_current_model(*e);
      e->mirror.replay(s.reports);
      services_[s.id] = e;
    }
  }
  metrics_.set_services(static_cast<std::int64_t>(services_.size()));
  http_->on_shed([this] { metrics_.count_shed(); });
  routes();
}

Server::~Server() {
  if (!temp_snapshots_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_snapshots_, ec);
  }
}

int Server::bind() {
  const int port = http_->bind(o_.host, o_.port);
  log_.write(LogLevel::kInfo, "listening",
             {{"host", o_.host}, {"port", port}, {"scenario", scenario_.name}, {"dry_run", o_.dry_run},
              {"state_dir", o_.state_dir}, {"services", services_.size()}, {"threads", o_.limits.threads}});
  return port;
}

void Server::run() {
  http_->run();
  log_.write(LogLevel::kInfo, "stopped");
}

void Server::stop() { http_->stop(); }

void Server::reload_models() {
  for (const auto& r : models_->reload()) {
    metrics_.count_reload(r.ok);
    if (r.ok) {
      const auto m = models_->get(r.name);
      log_.write(LogLevel::kInfo, "model reloaded", {{"model", r.name}, {"changed", r.changed}, {"checksum", m->checksum}});
    } else {
      log_.write(LogLevel::kError, "model reload failed; the previous version keeps serving", {{"model", r.name}, {"error", r.error}});
    }
  }
}

bool Server::authorized(const HttpRequest& req) const {
  if (token_.empty()) return true;
  const std::string h = req.header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() < kBearer.size() || h.compare(0, kBearer.size(), kBearer) != 0) return false;
  return constant_time_equal(std::string_view(h).substr(kBearer.size()), token_);
}

void Server::route(const char* method, const char* path, const char* name, Handler h) {
  routes_.push_back({method, path, name, std::move(h)});
}

void Server::routes() {
  route("GET", "/ping", "ping", [this](const auto&, auto&) { return ping(); });
  route("POST", "/invocations", "invocations", [this](const auto& req, auto&) { return invocations(req); });
  route("GET", "/metrics", "metrics", [this](const auto&, auto&) { return prometheus(); });
  route("GET", "/v1/services", "services", [this](const auto&, auto&) { return list_services(); });
  route("POST", kServiceMetrics, "service_metrics", [this](const auto& req, auto& log) { return post_metrics(req.id, req, log); });
  route("PUT", kService, "service", [this](const auto& req, auto&) { return put_service(req.id, req); });
  route("GET", kService, "service", [this](const auto& req, auto&) { return get_service(req.id); });
  route("DELETE", kService, "service", [this](const auto& req, auto&) { return delete_service(req.id); });
}

// The route pattern a path has: a literal path, or one of the service patterns with the id cut out.
std::string_view Server::pattern_of(HttpRequest& req) {
  constexpr std::string_view kPrefix = "/v1/services/";
  std::string_view rest(req.path);
  if (rest.substr(0, kPrefix.size()) != kPrefix) return req.path;
  rest.remove_prefix(kPrefix.size());
  constexpr std::string_view kMetrics = "/metrics";
  std::string_view pattern = kService;
  if (rest.size() > kMetrics.size() && rest.substr(rest.size() - kMetrics.size()) == kMetrics) {
    rest.remove_suffix(kMetrics.size());
    pattern = kServiceMetrics;
  }
  if (rest.empty() || rest.find('/') != std::string_view::npos) return req.path;
  req.id = std::string(rest);
  return pattern;
}

HttpResponse Server::dispatch(HttpRequest& req) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string_view pattern = pattern_of(req);
  const Route* found = nullptr;
  bool path_known = false;
  for (const auto& r : routes_) {
    if (r.path != pattern) continue;
    path_known = true;
    if (r.method == req.method) found = &r;
  }
  const std::string name = req.body_too_large || !path_known ? "unmatched" : found ? found->name : "method_not_allowed";
  std::string log, error;
  HttpResponse r;
  try {
    if (req.body_too_large) throw HttpError(413, "request body too large");
    if (!found && path_known) throw HttpError(405, fmt::format("{} does not take {}", req.path, req.method));
    if (!found) throw HttpError(404, fmt::format("no route {} {}", req.method, req.path));
    if (name != "ping" && !authorized(req)) {
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      throw HttpError(401, "missing or wrong bearer token");
    }
    r = found->handler(req, log);
  } catch (const HttpError& e) {
    auto headers = std::move(r.headers);
    r = json_reply(error_body(e.what()), e.status());
    r.headers = std::move(headers);
    error = e.what();
  } catch (const std::exception& e) {
    log_.write(LogLevel::kError, "internal error", {{"path", req.path}, {"error", e.what()}});
    r = json_reply(error_body(std::string("internal error: ") + e.what()), 500);
    error = e.what();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  metrics_.observe_request(name, req.method, r.status, secs);
  const LogLevel level = r.status >= 500 ? LogLevel::kError : LogLevel::kInfo;
  if (log_.enabled(level)) {
    std::string members = fmt::format(R"("method":{},"path":{},"route":"{}","status":{},"duration_ms":{:.4f},"remote":"{}")",
                                      json_quote(req.method), json_quote(req.path), name, r.status, secs * 1000, req.remote_addr);
    if (!error.empty()) members += ",\"error\":" + json_quote(error);
    if (!log.empty()) members += "," + log;
    log_.write_members(level, "request", members);
  }
  return r;
}

HttpResponse Server::ping() {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : models_->all()) models.push_back({{"name", m->name}, {"checksum", m->checksum}});
  return json_reply({{"status", "ok"}, {"models", models}});
}

HttpResponse Server::invocations(const HttpRequest& req) {
  const std::string name = req.param("model").value_or("default");
  const auto model = models_->get(name);
  if (!model) throw bad_request(fmt::format("unknown model '{}'", name));
  if (!model->agent) {
    throw bad_request(fmt::format("model '{}' is the classical policy {}: it has no observation vector to invoke; use "
                                  "the stateful route /v1/services/{{id}}/metrics",
                                  name, model->classical_spec));
  }
  const std::string type = media_type(req);
  const ObservationShape shape = observation_shape(*model->agent, scenario_.service);
  Invocation inv;
  if (type == "application/json") {
    inv = parse_invocation_json(req.body, shape);
  } else if (type == "text/csv") {
    inv = parse_invocation_csv(req.body, shape);
  } else {
    throw bad_request(fmt::format("Content-Type must be application/json or text/csv, got '{}'", req.header("Content-Type")));
  }
  std::string out = invoke(*model, scenario_, inv);
  out += fmt::format(R"(,"model":{{"name":{},"checksum":{}}}}})", json_quote(model->name), json_quote(model->checksum));
  out += '\n';
  return {200, std::move(out), "application/json", {}};
}

ServiceConfig Server::default_config() const {
  ServiceConfig c;
  c.max_gap_minutes = o_.max_gap_minutes;
  return c;
}

std::shared_ptr<Server::Entry> Server::find(const std::string& id) {
  std::lock_guard lock(services_mu_);
  auto it = services_.find(id);
  return it == services_.end() ? nullptr : it->second;
}

std::shared_ptr<Server::Entry> Server::create(const std::string& id, const ServiceConfig& config) {
  std::lock_guard lock(services_mu_);
  auto& slot = services_[id];
  if (!slot) {
    if (store_) store_->save_config(id, config);
    slot = std::make_shared<Entry>(scenario_.make_env(), config);
    metrics_.set_services(static_cast<std::int64_t>(services_.size()));
  }
  return slot;
}

void Server::ensure_current_model(Entry& e) {
  const auto model = models_->get(e.mirror.config().model);
  if (!model) throw HttpError(500, fmt::format("model '{}' is not loaded", e.mirror.config().model));
  if (model->checksum == e.built_with) return;
  // A new model version: rebuild the state from the reports with it, as a restarted server would.
  e.mirror.set_policy_maker([model, this] { return model->make_policy(scenario_); });
  if (!e.mirror.history().empty()) e.mirror.replay(std::vector<MetricsReport>(e.mirror.history()));
  e.built_with = model->checksum;
}

HttpResponse Server::post_metrics(const std::string& id, const HttpRequest& req, std::string& log) {
  if (!valid_service_id(id)) throw bad_request(fmt::format("service id '{}' must be 1-64 of [A-Za-z0-9._-]", id));
  const MetricsReport report = parse_metrics_report(parse_json_body(req), scenario_.service.warmup_latency);
  for (int attempt = 0;; ++attempt) {
    auto e = find(id);
    if (!e) e = create(id, default_config());
    std::lock_guard lock(e->mu);
    if (e->deleted) {
      if (attempt < 3) continue;  // deleted meanwhile: start it anew
      throw HttpError(409, "service was deleted while this report was applied; send it again");
    }
    ensure_current_model(*e);
    const Decision d = e->mirror.ingest(report);
    if (store_ && !d.duplicate) {
      try {
        if (d.restarted) {
          store_->rewrite(id, e->mirror.history());
        } else {
          store_->append(id, report);
        }
      } catch (const std::exception& ex) {
        e->mirror.drop_last();  // not persisted: not applied
        throw HttpError(500, fmt::format("cannot persist the report: {}", ex.what()));
      }
    }
    const bool dry_run = o_.dry_run || e->mirror.config().dry_run;
    const char* direction = d.action.add > 0 ? "add" : d.action.remove > 0 ? "remove" : "hold";
    if (!d.duplicate) metrics_.count_decision(direction, dry_run);
    const auto model = models_->get(e->mirror.config().model);
    nlohmann::json out = {{"service", id},
                          {"minute", d.minute},
                          {"timestamp", d.timestamp},
                          {"add", d.action.add},
                          {"remove", d.action.remove},
                          {"desired", d.desired},
                          {"act", !dry_run},
                          {"dry_run", dry_run},
                          {"filled_minutes", d.filled},
                          {"restarted", d.restarted},
                          {"duplicate", d.duplicate},
                          {"model", {{"name", model->name}, {"checksum", model->checksum}}}};
    log = fmt::format(R"("service":{},"minute":{},"add":{},"remove":{},"desired":{},"dry_run":{},"filled_minutes":{},"restarted":{},"duplicate":{})",
                      json_quote(id), d.minute, d.action.add, d.action.remove, d.desired, dry_run, d.filled, d.restarted, d.duplicate);
    return json_reply(out);
  }
}

HttpResponse Server::put_service(const std::string& id, const HttpRequest& req) {
  if (!valid_service_id(id)) throw bad_request(fmt::format("service id '{}' must be 1-64 of [A-Za-z0-9._-]", id));
  const nlohmann::json body = parse_json_body(req);
  auto e = find(id);
  const ServiceConfig base = e ? [&] { std::lock_guard l(e->mu); return e->mirror.config(); }() : default_config();
  const ServiceConfig c = parse_service_config(body, base);
  if (!models_->has(c.model)) {
    std::string known;
    for (const auto& m : models_->all()) known += (known.empty() ? "" : ", ") + m->name;
    throw bad_request(fmt::format("unknown model '{}' (known: {})", c.model, known));
  }
  if (!e) e = create(id, c);
  std::lock_guard lock(e->mu);
  const ServiceConfig old = e->mirror.config();
  if (!e->mirror.history().empty() && (c.wall_clock != old.wall_clock || c.max_gap_minutes != old.max_gap_minutes)) {
    throw conflict("wall_clock and max_gap_minutes change how past reports are read: DELETE the service first");
  }
  if (c.model != old.model) {
    // A different model: rebuilt from the reports, as ensure_current_model does for a new version.
    e->mirror.set_model(c.model);
    e->built_with.clear();
    ensure_current_model(*e);
  }
  e->mirror.set_dry_run(c.dry_run);
  if (store_) store_->save_config(id, e->mirror.config());
  nlohmann::json j = e->mirror.state_json();
  j["service"] = id;
  return json_reply(j);
}

std::optional<ServiceDecision> Server::service_decision(const std::string& id) {
  auto e = find(id);
  if (!e) return std::nullopt;
  std::lock_guard lock(e->mu);
  if (e->deleted) return std::nullopt;
  ServiceDecision d;
  d.has_reports = !e->mirror.history().empty();
  const Decision& last = e->mirror.last_decision();
  d.desired = last.desired;
  d.minute = last.minute;
  d.timestamp = last.timestamp;
  d.model = e->mirror.config().model;
  d.dry_run = o_.dry_run || e->mirror.config().dry_run;
  return d;
}

HttpResponse Server::get_service(const std::string& id) {
  auto e = find(id);
  if (!e) throw HttpError(404, fmt::format("no service '{}'", id));
  std::lock_guard lock(e->mu);
  nlohmann::json j = e->mirror.state_json();
  j["service"] = id;
  j["dry_run"] = o_.dry_run || e->mirror.config().dry_run;
  j["model_checksum"] = e->built_with;
  return json_reply(j);
}

HttpResponse Server::delete_service(const std::string& id) {
  std::shared_ptr<Entry> e;
  {
    std::lock_guard lock(services_mu_);
    auto it = services_.find(id);
    if (it == services_.end()) throw HttpError(404, fmt::format("no service '{}'", id));
    e = it->second;
    services_.erase(it);
    metrics_.set_services(static_cast<std::int64_t>(services_.size()));
  }
  std::lock_guard lock(e->mu);
  e->deleted = true;
  if (store_) store_->remove(id);
  return json_reply({{"service", id}, {"deleted", true}});
}

HttpResponse Server::list_services() {
  std::lock_guard lock(services_mu_);
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& [id, e] : services_) ids.push_back(id);
  return json_reply({{"services", ids}});
}

HttpResponse Server::prometheus() {
  std::string lines = "# HELP autoscale_model_info The model each name serves (value 1).\n# TYPE autoscale_model_info gauge\n";
  for (const auto& m : models_->all()) {
    lines += fmt::format("autoscale_model_info{{name=\"{}\",checksum=\"{}\",generation=\"{}\",path=\"{}\"}} 1\n", prometheus_label(m->name),
                         prometheus_label(m->checksum), m->generation, prometheus_label(m->path));
  }
  return {200, metrics_.render(lines), "text/plain; version=0.0.4", {}};
}

}  // namespace autoscale::serve
