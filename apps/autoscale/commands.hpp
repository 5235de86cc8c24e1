#pragma once
#include <CLI/CLI.hpp>

namespace autoscale::cli {

// Each adds one subcommand whose callback does the work (errors propagate as autoscale::Error).
void add_simulate(CLI::App& app);
void add_run(CLI::App& app);
void add_backtest(CLI::App& app);  // cmd_backtest.cpp
void add_evaluate(CLI::App& app);
void add_tune(CLI::App& app);
void add_train(CLI::App& app);
void add_serve(CLI::App& app);   // cmd_serve.cpp, with add_replay
void add_replay(CLI::App& app);
void add_report(CLI::App& app);
void add_trace(CLI::App& app);   // cmd_trace.cpp: a trace CSV from Prometheus
void add_fleet(CLI::App& app);   // cmd_fleet.cpp: plan, task, merge
void add_export(CLI::App& app);  // cmd_export.cpp
void add_control(CLI::App& app);  // cmd_control.cpp: the Prometheus-driven control loop

}  // namespace autoscale::cli
