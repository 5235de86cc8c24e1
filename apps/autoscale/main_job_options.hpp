#pragma once
// run's options, shared with `fleet task` (which takes the scenario, output folder, seed and
// config from each manifest row instead: per_service).
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "pipeline/main_job.hpp"

namespace autoscale::cli {

void add_main_job_options(CLI::App* c, const std::shared_ptr<pipeline::MainJobOptions>& a, const std::shared_ptr<std::string>& config_file,
                          const std::shared_ptr<std::string>& base_selection, bool per_service);
// After parsing: the base selection and the config file (read now, so a bad one fails before work).
void apply_main_job_options(pipeline::MainJobOptions& a, const std::string& config_file, const std::string& base_selection);

}  // namespace autoscale::cli
