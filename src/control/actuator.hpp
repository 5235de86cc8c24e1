#pragma once
// Where `autoscale control`'s decisions go. An Actuator steers a real fleet to the desired size;
// the control loop calls it at most once per decided minute, and only with --enforce (in shadow
// mode it calls shadow(), which records at most). Built in: file, command, webhook and the
// Kubernetes scale subresource (kubernetes_actuator.hpp).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace autoscale::control {

// One decided minute, as the stateful API answers it (POST /v1/services/{id}/metrics).
struct Actuation {
  std::string service;
  std::int64_t minute = 0;     // minutes since the service's state (re)started (the API's "minute")
  std::int64_t timestamp = 0;  // start of the decided minute, UTC epoch seconds
  int desired = 0;             // the fleet to steer to: active + warming after the action
  int add = 0, remove = 0;     // the action itself, within the per-minute limits
  bool enforced = false;       // true when apply() carries it out, false when shadow() records it
};

// An actuation that did not happen (a command's non-zero exit, a webhook's final 5xx): the loop
// raises its actuator_error alarm and holds the fleet.
class ActuationError : public Error {
 public:
  using Error::Error;
};

class Actuator {
 public:
  virtual ~Actuator() = default;
  // "file:/var/log/decisions.jsonl", for logs and metrics.
  virtual std::string describe() const = 0;
  // Once, before the first minute when enforcing: throws Error to refuse to start (e.g. another
  // autoscaler already owns the fleet). Default: nothing to check.
  virtual void check_enforce() {}
  // Steers the fleet to a.desired (a.enforced is true). Throws (ActuationError or any
  // std::exception) when it could not; retries, if any, are its own and must end in bounded time.
  virtual void apply(const Actuation& a) = 0;
  // Shadow mode: what apply() would have been given (a.enforced is false). Default: nothing.
  virtual void shadow(const Actuation& a) { (void)a; }
};

// file:PATH appends one JSON line per decided minute, enforced or shadow:
//   {"service":..,"minute":..,"timestamp":..,"desired":..,"add":..,"remove":..,"enforced":..}
// written with one write(2) on an O_APPEND descriptor and fdatasync'ed before apply() returns.
class FileActuator : public Actuator {
 public:
  explicit FileActuator(std::string path);  // opens (creates) the file; throws Error naming it
  ~FileActuator() override;
  std::string describe() const override { return "file:" + path_; }
  void apply(const Actuation& a) override { append(a); }
  void shadow(const Actuation& a) override { append(a); }

 private:
  void append(const Actuation& a);
  std::string path_;
  int fd_ = -1;
};

// command:CMD runs `/bin/sh -c CMD autoscale-control DESIRED MINUTE TIMESTAMP` (so $1 is the
// desired fleet) with AUTOSCALE_SERVICE, AUTOSCALE_DESIRED, AUTOSCALE_MINUTE, AUTOSCALE_TIMESTAMP,
// AUTOSCALE_ADD and AUTOSCALE_REMOVE in its environment. A non-zero exit, a signal or running past
// `timeout` (then killed) is an ActuationError carrying the end of its output.
class CommandActuator : public Actuator {
 public:
  CommandActuator(std::string command, std::chrono::milliseconds timeout);
  std::string describe() const override { return "command:" + command_; }
  void apply(const Actuation& a) override;

 private:
  std::string command_;
  std::chrono::milliseconds timeout_;
};

struct WebhookOptions {
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every POST
  int tries = 4;                                             // on connection errors and 5xx
  std::chrono::milliseconds first_backoff{500};              // doubled before each further try
  std::chrono::milliseconds timeout{10'000};                 // connect and read, per request
};

// webhook:URL POSTs the actuation as JSON (the file line's fields) to URL. A 2xx is success; a
// connection error or a 5xx is retried with doubling backoff; any other status, or the last
// failed try, is an ActuationError naming the URL and the status.
class WebhookActuator : public Actuator {
 public:
  WebhookActuator(std::string url, WebhookOptions options);  // throws Error for a malformed URL
  std::string describe() const override { return "webhook:" + url_; }
  void apply(const Actuation& a) override;

 private:
  std::string url_, scheme_host_port_, path_;
  WebhookOptions o_;
};

// The actuation's JSON line (FileActuator's, WebhookActuator's body).
std::string actuation_json(const Actuation& a);

// Checks the form of "file:PATH", "command:CMD", "webhook:URL", "kubernetes:[NS/]KIND/NAME" (a
// kind and a non-empty argument); throws Error naming --actuate and the kinds otherwise.
void check_actuator_spec(const std::string& spec);

struct ActuatorOptions {
  std::chrono::milliseconds command_timeout{30'000};
  WebhookOptions webhook;
  std::string kubeconfig, kube_context;  // kubernetes: (empty: in-cluster, else $KUBECONFIG)
};
// The actuator `spec` names (check_actuator_spec's forms); throws Error when it cannot be made.
std::unique_ptr<Actuator> make_actuator(const std::string& spec, const ActuatorOptions& options);

}  // namespace autoscale::control
