#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <optional>
#include <thread>

#include "commands.hpp"
#include "core/error.hpp"
#include "keda/keda_scaler.hpp"
#include "serve/replay.hpp"
#include "serve/server.hpp"

namespace autoscale::cli {
namespace {

struct ServeArgs {
  serve::ServeOptions o;
  std::string model;
  std::vector<std::string> extra_models;
  std::string log_level = "info";
  bool no_fsync = false;
  int keda_port = -1;  // -1: no KEDA scaler
};

void serve_forever(ServeArgs& a) {
  a.o.models["default"] = a.model;
  for (const auto& m : a.extra_models) {
    const auto eq = m.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size()) throw Error(fmt::format("--extra-model '{}': expected NAME=PATH", m));
    const std::string name = m.substr(0, eq);
    if (a.o.models.count(name)) throw Error(fmt::format("--extra-model: model name '{}' given twice", name));
    a.o.models[name] = m.substr(eq + 1);
  }
  a.o.log_level = serve::parse_log_level(a.log_level);
  a.o.fsync = !a.no_fsync;
  // Signals go to one thread that waits for them, never to a worker in the middle of a request.
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  serve::Server server(a.o);
  server.bind();
  // KEDA's external scaler (gRPC) beside HTTP, on the same host, answering from the same state.
  std::optional<keda::KedaScaler> scaler;
  if (a.keda_port >= 0) {
    scaler.emplace(server, keda::KedaOptions{a.o.host, a.keda_port});
    const int port = scaler->start();
    server.log().write(serve::LogLevel::kInfo, "keda scaler listening", {{"host", a.o.host}, {"keda_port", port}});
  }
  std::thread signals([&] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGHUP) {
        server.reload_models();
      } else {
        server.stop();  // SIGTERM, SIGINT: finish the requests in progress, then exit
        return;
      }
    }
  });
  server.run();
  pthread_kill(signals.native_handle(), SIGUSR1);  // run() may also end on its own
  signals.join();
  if (scaler) scaler->stop();  // ends its streams
}

}  // namespace

void add_serve(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* c = app.add_subcommand("serve", "Serve a trained model over HTTP: SageMaker's /ping and /invocations, "
                                            "a stateful decision API per service, Prometheus /metrics");
  c->add_option("--model", a->model,
                "model file written by `autoscale train` (DIR/model or DIR/best), or a policy spec file such as `run`'s "
                "DIR/deployed.spec (a classical policy is served by the stateful route)")
      ->required();
  c->add_option("--extra-model", a->extra_models, "NAME=PATH: another model services can choose by name (repeatable)");
  c->add_option("--scenario", a->o.scenario, "the service the models act on: built-in name or scenario TOML")->capture_default_str();
  c->add_option("--host", a->o.host, "address to bind (loopback by default)")->capture_default_str();
  c->add_option("--port", a->o.port, "port (0 = any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
  c->add_option("--keda-port", a->keda_port,
                "also serve KEDA's external scaler (gRPC) on this port (0 = any free port): each ScaledObject's "
                "metadata `service: ID` gets that service's desired fleet")
      ->check(CLI::Range(0, 65535));
  c->add_option("--threads", a->o.limits.threads, "event-loop threads (each serves many connections)")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  c->add_option("--max-connections", a->o.limits.max_connections, "open connections; more get 503 at once")
      ->capture_default_str()->check(CLI::Range(1, 100000));
  c->add_option("--keep-alive-seconds", a->o.limits.keep_alive_seconds, "an idle connection is closed after this")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  c->add_option("--read-timeout", a->o.limits.read_timeout_seconds, "seconds to wait for a request's bytes")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  c->add_option("--write-timeout", a->o.limits.write_timeout_seconds, "seconds to wait for the client to take the response")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  c->add_option("--max-body-bytes", a->o.max_body_bytes, "larger request bodies get 413")->capture_default_str()->check(CLI::Range(1, 1 << 30));
  c->add_option("--token-file", a->o.token_file, "file holding a bearer token every request but /ping must carry");
  c->add_option("--state-dir", a->o.state_dir, "directory where service state persists across restarts");
  c->add_flag("--no-fsync", a->no_fsync, "do not fdatasync each minute (survives a crash of the server, not of the machine)");
  c->add_option("--max-gap-minutes", a->o.max_gap_minutes, "missing minutes filled for new services; longer gaps restart their state")
      ->capture_default_str()->check(CLI::Range(0, 10080));
  c->add_flag("--dry-run", a->o.dry_run, "mark every decision as not to be acted on (try a policy beside your autoscaler)");
  c->add_option("--log-level", a->log_level, "debug, info (one JSON line per request), warn, error, off")->capture_default_str();
  c->callback([a] { serve_forever(*a); });
}

void add_replay(CLI::App& app) {
  auto o = std::make_shared<serve::ReplayOptions>();
  CLI::App* c = app.add_subcommand("replay", "Play a scenario's episode through a running server minute by minute and "
                                             "check its decisions equal evaluate's in-process ones");
  c->add_option("--server", o->server, "the server's URL")->capture_default_str();
  c->add_option("--scenario", o->scenario, "built-in name or scenario TOML file")->capture_default_str();
  c->add_option("--model", o->model, "the model file the server serves as its --model")->required();
  c->add_option("--seed", o->seed, "episode seed (as evaluate's --seed)")->capture_default_str();
  c->add_option("--minutes", o->minutes, "episode length (default: the scenario's)")->check(CLI::PositiveNumber);
  c->add_option("--service", o->service, "service id to use on the server (deleted first)")->capture_default_str();
  c->add_option("--token-file", o->token_file, "bearer token file, if the server needs one");
  c->callback([o] {
    const auto r = serve::replay_through_server(*o);
    std::cout << r.dump(2) << std::endl;
    if (r.value("mismatches", 0) != 0) {  // a failed check: exit 1
      throw Error(fmt::format("{} of {} decisions differ from evaluate's", r["mismatches"].get<std::int64_t>(),
                              r["compared"].get<std::int64_t>()));
    }
  });
}

}  // namespace autoscale::cli
