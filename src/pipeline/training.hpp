#pragma once
#include "pipeline/log.hpp"
#include "rl/ppo.hpp"

namespace autoscale::pipeline {

// rl::train with a progress line (percent, steps/s, validation profit) and a summary on `log`.
rl::TrainResult train_with_progress(const rl::TrainOptions& options, const Log& log);

}  // namespace autoscale::pipeline
