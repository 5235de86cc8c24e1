// `autoscale control`: read a service's minute from Prometheus, decide as the stateful API does,
// act through an actuator (src/control/; docs/control.md).
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <strings.h>

#include <thread>

#include "commands.hpp"
#include "control/control_loop.hpp"
#include "core/error.hpp"
#include "prometheus/time_args.hpp"
#include "validators.hpp"

namespace autoscale::cli {
namespace {

namespace prom = autoscale::prometheus;

struct ControlArgs {
  control::ControlOptions o;
  std::string every = "60s", settle = "10s", max_age = "2m", timeout = "10s", command_timeout = "30s";
  std::string actuate, token_file, log_level = "info", wall_clock = "true", kubeconfig, kube_context;
  std::vector<std::string> headers, webhook_headers;
  int tries = 3, webhook_tries = 4;
};

std::chrono::milliseconds duration(const std::string& text, bool zero_ok = false) {
  if (zero_ok && (text == "0" || text == "0s" || text == "0ms")) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(prom::parse_duration_arg(text));
}

// The actuator --actuate names.
std::unique_ptr<control::Actuator> actuator_for(const ControlArgs& a) {
  control::ActuatorOptions o;
  o.command_timeout = duration(a.command_timeout);
  for (const auto& h : a.webhook_headers) o.webhook.headers.push_back(prom::parse_header(h));
  o.webhook.tries = a.webhook_tries;
  o.kubeconfig = a.kubeconfig;
  o.kube_context = a.kube_context;
  return control::make_actuator(a.actuate, o);
}

void run_control(ControlArgs& a) {
  control::ControlOptions& o = a.o;
  o.every = duration(a.every);
  o.settle = duration(a.settle, true);
  o.max_sample_age = duration(a.max_age);
  o.prometheus.timeout = std::chrono::duration_cast<std::chrono::seconds>(duration(a.timeout) + std::chrono::milliseconds(999));
  o.prometheus.tries = a.tries;
  o.prometheus.first_backoff = std::chrono::milliseconds(200);
  bool authorization = false;
  for (const auto& h : a.headers) {
    o.prometheus.headers.push_back(prom::parse_header(h));
    authorization |= strcasecmp(o.prometheus.headers.back().first.c_str(), "Authorization") == 0;
  }
  if (!a.token_file.empty()) {
    if (authorization) throw CLI::ValidationError("--bearer-token-file", "conflicts with the Authorization --header");
    o.prometheus.headers.push_back(prom::bearer_token_header(a.token_file));
  }
  o.wall_clock = a.wall_clock == "true";
  o.log_level = serve::parse_log_level(a.log_level);
  // Signals go to one thread that waits for them.
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGUSR1}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  control::ControlLoop loop(o, actuator_for(a));
  loop.start_metrics();
  std::thread signals([&] {
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    loop.stop();  // SIGTERM, SIGINT (or SIGUSR1 from below): finish the tick in progress, then exit
  });
  loop.run();
  pthread_kill(signals.native_handle(), SIGUSR1);
  signals.join();
}

}  // namespace

void add_control(CLI::App& app) {
  auto a = std::make_shared<ControlArgs>();
  CLI::App* c = app.add_subcommand(
      "control",
      "Run a control loop: each interval read a service's minute from Prometheus (load, failures, fleet), update its "
      "state exactly as the stateful API does, decide with the model and act through --actuate (only with --enforce; "
      "shadow mode logs, exports and records what it would do). Any doubt about the data or the actuator holds the "
      "fleet and raises autoscale_control_failsafe (docs/control.md)");
  const auto dur = parsed_by([](const std::string& t) { prom::parse_duration_arg(t); }, "DURATION");
  c->add_option("--prometheus", a->o.prometheus.url, "Prometheus's base URL: http(s)://HOST:PORT[/PREFIX]")->required();
  c->add_option("--service", a->o.service, "the service's id (its state, log lines and metric labels)")->required();
  c->add_option("--load-query", a->o.load_query,
                "PromQL: offered requests in the minute, one series, e.g. 'sum(increase(http_requests_total{job=\"api\"}[1m]))'")
      ->required();
  c->add_option("--failed-query", a->o.failed_query, "PromQL: failed requests in the minute (default: none fail)");
  c->add_option("--fleet-query", a->o.fleet_query,
                "PromQL: machines serving, e.g. 'kube_deployment_status_replicas_available{deployment=\"api\"}'")
      ->required();
  c->add_option("--warming-query", a->o.warming_query, "PromQL: machines warming up, not yet serving (default: none)");
  c->add_option("--clock-query", a->o.clock_query,
                "PromQL whose value is a time in the minute the data describe (epoch seconds); default: the wall clock");
  CLI::Option* freshness = c->add_option("--freshness-query", a->o.freshness_query,
                "PromQL whose value is the time of the newest sample behind the data, e.g. 'timestamp(up{job=\"api\"})': "
                "older than --max-sample-age holds the fleet (required with --enforce: without it a dead exporter's "
                "last value, still inside Prometheus's lookback, would be acted on)");
  c->add_option("--max-sample-age", a->max_age, "how old the freshness query's sample may be")->capture_default_str()->check(dur);
  c->add_option("--model", a->o.model, "model file (`autoscale train`'s DIR/model) or policy spec file (DIR/deployed.spec)")
      ->required();
  c->add_option("--scenario", a->o.scenario, "the service shape the model acts on: built-in name or scenario TOML")
      ->capture_default_str();
  c->add_option("--every", a->every, "tick interval; ticks fall --settle after multiples of it")->capture_default_str()->check(dur);
  c->add_option("--settle", a->settle, "how long after a minute ends its scrapes are taken to have landed (0 allowed)")
      ->capture_default_str()
      ->check(parsed_by([](const std::string& t) { duration(t, true); }, "DURATION"));
  c->add_option("--actuate", a->actuate, "file:PATH (a JSON line per decision), command:CMD ($1 = desired), webhook:URL (POST JSON) or "
                "kubernetes:[NAMESPACE/]KIND/NAME (the scale subresource, patched as kubectl scale does)")
      ->required()
      ->check(parsed_by([](const std::string& t) { control::check_actuator_spec(t); }, "KIND:ARG"));
  c->add_option("--kubeconfig", a->kubeconfig,
                "kubernetes: the kubeconfig to use (default: the pod's service account, else $KUBECONFIG or ~/.kube/config)")
      ->check(CLI::ExistingFile);
  c->add_option("--kube-context", a->kube_context, "kubernetes: the kubeconfig's context (default: its current-context)");
  c->add_flag("--enforce", a->o.enforce, "act on the decisions (default: shadow mode, nothing is acted on); needs --freshness-query")
      ->needs(freshness);
  c->add_option("--wall-clock", a->wall_clock, "true: the model sees the minute's time of day; false: no clock (models "
                                              "trained on a load without one, the seed's)")
      ->capture_default_str()
      ->check(CLI::IsMember({"true", "false"}));
  c->add_option("--max-gap-minutes", a->o.max_gap_minutes, "missing minutes filled by the gap rule; a longer gap restarts the state")
      ->capture_default_str()->check(CLI::Range(0, 10080));
  c->add_option("--state-dir", a->o.state_dir,
                "keep the service's state here (as serve --state-dir does): a restart rebuilds it and never decides a "
                "minute twice");
  c->add_option("--metrics-host", a->o.metrics_host, "address of the /metrics listener")->capture_default_str();
  c->add_option("--metrics-port", a->o.metrics_port, "serve /metrics on this port (0 = any free port; default: none)")
      ->check(CLI::Range(0, 65535));
  c->add_option("--header", a->headers, "'Name: value' sent to Prometheus with every request (repeatable)")
      ->check(parsed_by([](const std::string& t) { prom::parse_header(t); }, "'NAME: VALUE'"));
  c->add_option("--bearer-token-file", a->token_file, "file holding a token sent to Prometheus as 'Authorization: Bearer TOKEN'");
  c->add_option("--tries", a->tries, "tries per query on connection errors, 5xx and 429")->capture_default_str()->check(CLI::Range(1, 20));
  c->add_option("--timeout", a->timeout, "connect and read timeout per Prometheus request (whole seconds, rounded up)")
      ->capture_default_str()->check(dur);
  c->add_option("--command-timeout", a->command_timeout, "command:CMD is killed after this")->capture_default_str()->check(dur);
  c->add_option("--webhook-header", a->webhook_headers, "'Name: value' sent with every webhook POST (repeatable)")
      ->check(parsed_by([](const std::string& t) { prom::parse_header(t); }, "'NAME: VALUE'"));
  c->add_option("--webhook-tries", a->webhook_tries, "tries per webhook POST on connection errors and 5xx")
      ->capture_default_str()->check(CLI::Range(1, 20));
  c->add_option("--log-level", a->log_level, "debug, info (one JSON line per decision), warn, error, off")->capture_default_str();
  c->callback([a] { run_control(*a); });
}

}  // namespace autoscale::cli
