#pragma once
// The scale subresource of one workload (a Deployment, StatefulSet or ReplicaSet), read and set the
// way `kubectl scale` does: GET .../NAME/scale, then a JSON merge patch {"spec":{"replicas":N}}
// (Content-Type application/merge-patch+json, no query parameters, no fieldManager) to the same
// path. (kubectl 1.32, observed: it GETs the Deployment object, then sends that patch; on a 409
// it resends it; only --current-replicas/--resource-version make it GET the scale and PUT it
// back with the resourceVersion instead, which this client does not do.) Not thread-safe: one
// client per target, used by one control loop.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "kubernetes/api_client.hpp"
#include "kubernetes/connection.hpp"

namespace autoscale::kubernetes {

struct Target {
  std::string ns;        // "shop"
  std::string resource;  // "deployments", "statefulsets", "replicasets" (all API group apps/v1)
  std::string kind;      // "Deployment", "StatefulSet", "ReplicaSet"
  std::string name;      // "web"

  std::string scale_path() const;  // "/apis/apps/v1/namespaces/shop/deployments/web/scale"
  std::string describe() const;    // "deployment shop/web"
};

// "NAMESPACE/KIND/NAME" or "KIND/NAME" (the connection's default namespace); KIND is deployment,
// statefulset or replicaset (singular, plural or kubectl's short name: deploy, sts, rs).
Target parse_target(const std::string& spec, const std::string& default_namespace);

struct Scale {
  int spec_replicas = 0;
  int status_replicas = 0;
  std::string resource_version;
  std::string selector;  // status.selector ("app=web"), "" if the server gave none
};

// Why a request failed, for the caller's alert and log.
class ApiError : public Error {
 public:
  enum class Kind {
    kForbidden,         // 403: RBAC (the message names the verb and resource)
    kNotFound,          // 404: no such object (or API)
    kUnauthorized,      // 401: the credentials were rejected
    kTls,               // the server's certificate did not verify against the connection's CA
    kHpaConflict,       // a HorizontalPodAutoscaler targets the object: refusing to enforce
    kRetriesExhausted,  // 409/429/5xx/connection errors until the attempts ran out
    kRejected,          // another 4xx (bad request, unprocessable, ...)
    kBadResponse,       // a 2xx whose body is not the expected JSON
  };
  ApiError(Kind kind, int status, const std::string& message) : Error(message), kind(kind), status(status) {}
  Kind kind;
  int status;  // the last HTTP status, 0 for a connection error or a refusal without one
};

// Retries of 409 Conflict (after re-reading the scale), 429, 5xx and connection errors: up to
// `attempts` requests, waiting initial, initial*factor, ... (at most `max`) in between; a
// Retry-After header of a 429 or 503 is honoured up to `max`. No jitter: one controller per object.
struct RetryPolicy {
  int attempts = 5;
  std::chrono::milliseconds initial{500};
  double factor = 2.0;
  std::chrono::milliseconds max{8000};
  // What one call (apply: HPA list, GET, PATCH and their retries) may spend: no retry starts
  // whose wait would end past it, so a call returns within it plus one request's timeouts
  // (Timeouts: 5 s + 15 s), inside a control loop's minute.
  std::chrono::milliseconds budget{30'000};
};

struct ApplyResult {
  enum class Outcome {
    kPatched,           // the merge patch was sent and accepted
    kAlreadyAtDesired,  // spec.replicas already equals desired: nothing patched (after the GET)
    kAlreadyApplied,    // this minute was applied with the same replicas: no request at all
  };
  Outcome outcome = Outcome::kPatched;
  int previous = 0;   // spec.replicas before (kAlreadyApplied: the replicas applied then)
  int replicas = 0;   // spec.replicas after
  int requests = 0;   // HTTP requests this call made (retries included)
};

class ScaleClient {
 public:
  using Sleep = std::function<void(std::chrono::milliseconds)>;  // tests record instead of waiting

  ScaleClient(Connection connection, Target target, RetryPolicy retry = {}, Timeouts timeouts = {}, Sleep sleep = {});

  // GET the scale subresource (retried like every request).
  Scale get();
  // The name of a HorizontalPodAutoscaler (autoscaling/v2) in the target's namespace whose
  // scaleTargetRef is the target, if any; needs RBAC `list` on horizontalpodautoscalers.
  std::optional<std::string> hpa_targeting();
  // Sets spec.replicas to `desired` for decision minute `minute`: refuses (kHpaConflict) when an
  // HPA targets the object, then GET scale, and the merge patch unless it already has `desired`.
  // A second call for the same minute and replicas sends nothing. `minute` is any identifier
  // unique to the decided minute (its UTC epoch minute; not a counter that restarts). Throws
  // ApiError (Error when the token file cannot be read); nothing is remembered after a failure.
  ApplyResult apply(int desired, std::int64_t minute);

  const Target& target() const { return target_; }
  const Connection& connection() const { return api_.connection(); }
  std::int64_t requests_sent() const { return requests_; }

 private:
  HttpResponse request(const std::string& method, const std::string& path, const std::string& body,
                       const std::string& content_type, const std::string& verb, const std::string& resource,
                       const std::function<bool()>& on_conflict = {});
  Scale parse_scale(const HttpResponse& r, const std::string& what) const;

  ApiClient api_;
  Target target_;
  RetryPolicy retry_;
  Sleep sleep_;
  // The call in progress (apply, get or hpa_targeting from outside): when it started and how long
  // it has waited between retries (the wait a test's Sleep records, as real time would pass).
  struct Call {
    std::chrono::steady_clock::time_point start;
    std::chrono::milliseconds waited{0};
  };
  std::optional<Call> call_;
  class CallScope;
  std::optional<std::int64_t> last_minute_;
  int last_replicas_ = -1;
  std::int64_t requests_ = 0;  // every HTTP request sent, retries included
};

}  // namespace autoscale::kubernetes
