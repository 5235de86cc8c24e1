#include "pipeline/training.hpp"

#include <fmt/format.h>

namespace autoscale::pipeline {

rl::TrainResult train_with_progress(const rl::TrainOptions& o, const Log& log) {
  const auto result = rl::train(o, [&](const rl::ProgressRow& r) {
    if (!r.validation_profit) return;  // a line per validation: the curve's points
    const double pct = 100.0 * static_cast<double>(r.steps) / static_cast<double>(o.total_steps);
    log(fmt::format("    {:>5.1f}%  {:>6.0f} steps/s  validation profit {:.0f}\n", pct, r.steps_per_second, *r.validation_profit));
  });
  log(fmt::format("    {} steps in {:.0f} s ({:.0f} steps/s), best validation profit {:.0f}\n\n", result.steps, result.seconds,
                  result.steps_per_second, result.best_validation_profit.value_or(0)));
  return result;
}

}  // namespace autoscale::pipeline
