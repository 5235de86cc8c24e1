#include "kubernetes/scale_client.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <regex>
#include <thread>

#include "core/strings.hpp"

namespace autoscale::kubernetes {
namespace {

using Json = nlohmann::json;

std::string one_line(std::string_view s, std::size_t max = 300) {
  std::string out(trim(s.substr(0, max)));
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (s.size() > max) out += "...";
  return out;
}

// The message of a Kubernetes Status body, else the start of the body.
std::string server_says(const HttpResponse& r) {
  if (r.status == 0) return r.transport_error;
  const Json j = Json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string())
    return one_line(j["message"].get<std::string>());
  return r.body.empty() ? "empty body" : "body: " + one_line(r.body);
}

std::string status_text(int status) {
  switch (status) {
    case 401: return "401 Unauthorized";
    case 403: return "403 Forbidden";
    case 404: return "404 Not Found";
    case 409: return "409 Conflict";
    case 429: return "429 Too Many Requests";
    case 500: return "500 Internal Server Error";
    case 502: return "502 Bad Gateway";
    case 503: return "503 Service Unavailable";
    case 504: return "504 Gateway Timeout";
    default: return std::to_string(status);
  }
}

bool retryable(int status) { return status == 0 || status == 409 || status == 429 || status >= 500; }

}  // namespace

std::string Target::scale_path() const {
  return "/apis/apps/v1/namespaces/" + ns + "/" + resource + "/" + name + "/scale";
}

std::string Target::describe() const {
  std::string k = kind;
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return k + " " + ns + "/" + name;
}

Target parse_target(const std::string& spec, const std::string& default_namespace) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto slash = spec.find('/', start);
    parts.push_back(spec.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 2 && parts.size() != 3)
    throw Error("kubernetes target: expected NAMESPACE/KIND/NAME or KIND/NAME (e.g. shop/deployment/web), got '" + spec + "'");
  Target t;
  t.ns = parts.size() == 3 ? parts[0] : default_namespace;
  const std::string kind = parts[parts.size() - 2];
  t.name = parts.back();
  if (kind == "deployment" || kind == "deployments" || kind == "deploy") {
    t.resource = "deployments";
    t.kind = "Deployment";
  } else if (kind == "statefulset" || kind == "statefulsets" || kind == "sts") {
    t.resource = "statefulsets";
    t.kind = "StatefulSet";
  } else if (kind == "replicaset" || kind == "replicasets" || kind == "rs") {
    t.resource = "replicasets";
    t.kind = "ReplicaSet";
  } else {
    throw Error("kubernetes target '" + spec + "': kind '" + kind +
                "' is not deployment, statefulset or replicaset (the apps/v1 kinds with a scale subresource)");
  }
  static const std::regex kLabel("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
  static const std::regex kSubdomain("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$");
  if (!std::regex_match(t.ns, kLabel))
    throw Error("kubernetes target '" + spec + "': namespace '" + t.ns + "' is not a valid namespace name");
  if (!std::regex_match(t.name, kSubdomain))
    throw Error("kubernetes target '" + spec + "': '" + t.name + "' is not a valid object name");
  return t;
}

ScaleClient::ScaleClient(Connection connection, Target target, RetryPolicy retry, Timeouts timeouts, Sleep sleep)
    : api_(std::move(connection), timeouts), target_(std::move(target)), retry_(retry), sleep_(std::move(sleep)) {
  if (retry_.attempts < 1) throw Error("kubernetes retry policy: attempts must be at least 1");
  if (!sleep_) sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

// Starts the budget of an outer call; nested calls (apply's own get) share it.
class ScaleClient::CallScope {
 public:
  explicit CallScope(ScaleClient& c) : c_(c), outer_(!c.call_) {
    if (outer_) c_.call_ = Call{std::chrono::steady_clock::now(), std::chrono::milliseconds(0)};
  }
  ~CallScope() {
    if (outer_) c_.call_.reset();
  }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  ScaleClient& c_;
  bool outer_;
};

HttpResponse ScaleClient::request(const std::string& method, const std::string& path, const std::string& body,
                                  const std::string& content_type, const std::string& verb, const std::string& resource,
                                  const std::function<bool()>& on_conflict) {
  const std::string what = method + " " + api_.server() + path + " (" + target_.describe() + ")";
  const std::string group = resource.starts_with("horizontalpodautoscalers") ? "autoscaling" : "apps";
  HttpResponse r;
  for (int attempt = 1;; ++attempt) {
    r = api_.send(method, path, body, content_type);
    ++requests_;
    if (r.status >= 200 && r.status < 300) return r;
    if (r.tls_verification_failed)
      throw ApiError(ApiError::Kind::kTls, 0,
                     "kubernetes: " + what + ": " + r.transport_error + " (the CA of " + api_.connection().source +
                         (api_.connection().ca_pem.empty() ? ": none given, the system's CAs" : "") + ")");
    if (r.status == 401)
      throw ApiError(ApiError::Kind::kUnauthorized, 401,
                     "kubernetes: " + what + " answered 401 Unauthorized: the credentials of " +
                         api_.connection().source + " were rejected; server: " + server_says(r));
    if (r.status == 403)
      throw ApiError(ApiError::Kind::kForbidden, 403,
                     "kubernetes: " + what + " answered 403 Forbidden: " + api_.connection().source +
                         " needs RBAC verb '" + verb + "' on resource '" + resource + "' (API group " + group +
                         ") in namespace " + target_.ns + "; server: " + server_says(r));
    if (r.status == 404)
      throw ApiError(ApiError::Kind::kNotFound, 404,
                     "kubernetes: " + what + " answered 404 Not Found: " +
                         (group == "apps" ? "no " + target_.describe() + " (check the namespace, kind and name)"
                                          : std::string("the cluster does not serve autoscaling/v2 HorizontalPodAutoscalers")) +
                         "; server: " + server_says(r));
    if (!retryable(r.status))
      throw ApiError(ApiError::Kind::kRejected, r.status,
                     "kubernetes: " + what + " answered " + status_text(r.status) + "; server: " + server_says(r));
    if (attempt >= retry_.attempts)
      throw ApiError(ApiError::Kind::kRetriesExhausted, r.status,
                     "kubernetes: " + what + " failed " + std::to_string(attempt) + " times, last: " +
                         (r.status == 0 ? r.transport_error : status_text(r.status) + "; server: " + server_says(r)));
    double ms = static_cast<double>(retry_.initial.count()) * std::pow(retry_.factor, attempt - 1);
    if ((r.status == 429 || r.status == 503) && !r.retry_after.empty() &&
        std::all_of(r.retry_after.begin(), r.retry_after.end(), [](unsigned char c) { return std::isdigit(c); }))
      ms = std::max(ms, 1000.0 * std::stod(r.retry_after));
    ms = std::min(ms, static_cast<double>(retry_.max.count()));
    const auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(ms));
    if (call_) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - call_->start);
      if (std::max(elapsed, call_->waited) + wait > retry_.budget)
        throw ApiError(ApiError::Kind::kRetriesExhausted, r.status,
                       "kubernetes: " + what + " failed " + std::to_string(attempt) + " times; the next try, in " +
                           std::to_string(wait.count()) + " ms, would pass the call's budget of " +
                           std::to_string(retry_.budget.count()) + " ms; last: " +
                           (r.status == 0 ? r.transport_error : status_text(r.status) + "; server: " + server_says(r)));
      call_->waited += wait;
    }
    sleep_(wait);
    if (r.status == 409 && on_conflict && on_conflict()) return r;
  }
}

Scale ScaleClient::parse_scale(const HttpResponse& r, const std::string& what) const {
  const Json j = Json::parse(r.body, nullptr, false);
  auto bad = [&](const std::string& why) {
    return ApiError(ApiError::Kind::kBadResponse, r.status,
                    "kubernetes: " + what + " for " + target_.describe() + ": " + why + "; " + server_says(r));
  };
  if (!j.is_object()) throw bad("the answer is not a JSON object");
  Scale s;
  const auto spec = j.find("spec");
  if (spec == j.end() || !spec->is_object()) throw bad("no spec in the Scale");
  // An omitted spec.replicas is 0 (omitempty), as client-go reads it.
  const auto sr = spec->find("replicas");
  if (sr != spec->end() && !sr->is_number_integer()) throw bad("spec.replicas is not an integer");
  s.spec_replicas = sr != spec->end() ? sr->get<int>() : 0;
  if (const auto st = j.find("status"); st != j.end() && st->is_object()) {
    if (const auto rr = st->find("replicas"); rr != st->end() && rr->is_number_integer()) s.status_replicas = rr->get<int>();
    if (const auto sel = st->find("selector"); sel != st->end() && sel->is_string()) s.selector = sel->get<std::string>();
  }
  if (const auto md = j.find("metadata"); md != j.end() && md->is_object())
    if (const auto rv = md->find("resourceVersion"); rv != md->end() && rv->is_string())
      s.resource_version = rv->get<std::string>();
  return s;
}

Scale ScaleClient::get() {
  CallScope scope(*this);
  return parse_scale(request("GET", target_.scale_path(), "", "", "get", target_.resource + "/scale"), "GET scale");
}

std::optional<std::string> ScaleClient::hpa_targeting() {
  CallScope scope(*this);
  const HttpResponse r = request("GET", "/apis/autoscaling/v2/namespaces/" + target_.ns + "/horizontalpodautoscalers", "",
                                 "", "list", "horizontalpodautoscalers");
  const Json j = Json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("items") || !j["items"].is_array())
    throw ApiError(ApiError::Kind::kBadResponse, r.status,
                   "kubernetes: listing the HorizontalPodAutoscalers of namespace " + target_.ns +
                       ": the answer is not a list; " + server_says(r));
  for (const auto& hpa : j["items"]) {
    const Json ref = hpa.value("spec", Json::object()).value("scaleTargetRef", Json::object());
    if (ref.value("kind", "") != target_.kind || ref.value("name", "") != target_.name) continue;
    // apiVersion is "apps/v1" (or omitted, or the old extensions/v1beta1 for a Deployment).
    const std::string api_version = ref.value("apiVersion", "");
    const std::string group = api_version.substr(0, api_version.find('/'));
    if (!api_version.empty() && group != "apps" && group != "extensions") continue;
    return hpa.value("metadata", Json::object()).value("name", std::string("(unnamed)"));
  }
  return std::nullopt;
}

ApplyResult ScaleClient::apply(int desired, std::int64_t minute) {
  CallScope scope(*this);
  if (desired < 0) throw Error("kubernetes: desired replicas must be >= 0, got " + std::to_string(desired));
  ApplyResult result;
  const std::int64_t before = requests_;
  if (last_minute_ && *last_minute_ == minute && last_replicas_ == desired) {
    result.outcome = ApplyResult::Outcome::kAlreadyApplied;
    result.previous = result.replicas = desired;
    return result;
  }
  if (const auto hpa = hpa_targeting())
    throw ApiError(ApiError::Kind::kHpaConflict, 0,
                   "kubernetes: refusing to scale " + target_.describe() + ": HorizontalPodAutoscaler " + target_.ns + "/" +
                       *hpa + " targets it (two controllers would fight over spec.replicas; delete the HPA, or run without --enforce)");
  Scale current = get();
  result.previous = current.spec_replicas;
  auto done = [&](ApplyResult::Outcome outcome) {
    result.outcome = outcome;
    result.replicas = desired;
    result.requests = static_cast<int>(requests_ - before);
    last_minute_ = minute;
    last_replicas_ = desired;
    return result;
  };
  if (current.spec_replicas == desired) return done(ApplyResult::Outcome::kAlreadyAtDesired);

  // Exactly kubectl scale's request (no resourceVersion precondition, no query parameters).
  const std::string patch = Json{{"spec", {{"replicas", desired}}}}.dump();
  bool reached = false;
  const HttpResponse r =
      request("PATCH", target_.scale_path(), patch, "application/merge-patch+json", "patch", target_.resource + "/scale",
              [&] {
                // A conflict: re-read, and stop if someone else already set our replicas.
                current = get();
                reached = current.spec_replicas == desired;
                return reached;
              });
  if (reached) return done(ApplyResult::Outcome::kAlreadyAtDesired);
  const Scale after = parse_scale(r, "PATCH scale");
  if (after.spec_replicas != desired)
    throw ApiError(ApiError::Kind::kBadResponse, r.status,
                   "kubernetes: PATCH scale of " + target_.describe() + " answered spec.replicas " +
                       std::to_string(after.spec_replicas) + ", not " + std::to_string(desired));
  return done(ApplyResult::Outcome::kPatched);
}

}  // namespace autoscale::kubernetes
