// The one command-line tool: `autoscale <command> --help` for each command.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "core/error.hpp"

// The common convention: 1 when a command fails, 2 when it was called wrongly.
constexpr int kFailure = 1;
constexpr int kUsageError = 2;

int main(int argc, char** argv) {
  CLI::App app{"autoscale: simulate a scalable web service, evaluate and learn autoscaling policies"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "autoscale 0.1.0");
  autoscale::cli::add_simulate(app);
  autoscale::cli::add_run(app);
  autoscale::cli::add_backtest(app);
  autoscale::cli::add_evaluate(app);
  autoscale::cli::add_tune(app);
  autoscale::cli::add_train(app);
  autoscale::cli::add_serve(app);
  autoscale::cli::add_replay(app);
  autoscale::cli::add_report(app);
  autoscale::cli::add_trace(app);
  autoscale::cli::add_fleet(app);
  autoscale::cli::add_export(app);
  autoscale::cli::add_control(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with code 0; every real one is a usage error.
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsageError;
  } catch (const autoscale::Error& e) {
    fmt::print(stderr, "autoscale: error: {}\n", e.what());
    return kFailure;
  } catch (const std::exception& e) {
    fmt::print(stderr, "autoscale: error: {}\n", e.what());
    return kFailure;
  }
  return 0;
}
