#pragma once
#include <functional>
#include <string>

namespace autoscale::pipeline {

// Where a job's progress goes: whole lines, or a partial line ending in '\r' that the next
// replaces (a progress bar). The CLI prints them; Python can collect them or stay silent.
using Log = std::function<void(const std::string&)>;

// Prints to stdout and flushes, so progress shows while a job runs.
Log stdout_log();

}  // namespace autoscale::pipeline
