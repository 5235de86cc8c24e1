#pragma once
// Reads the training curve from the progress.csv that `autoscale train` writes (rl/ppo.hpp).
#include <cstdint>
#include <filesystem>
#include <vector>

namespace autoscale::report {

// One value per progress row; NaN where the row has none (validation runs only every few rows).
struct TrainingCurve {
  std::filesystem::path source;
  std::vector<double> steps, wall_seconds, train_profit, validation_profit;
};

// Columns are found by name, so added columns do no harm. A last line without its newline is a
// row being written while training runs, and is skipped. Errors name file and line: a header
// without the needed columns, a short row, a non-numeric value, steps that go backwards.
TrainingCurve read_progress_csv(const std::filesystem::path& file);

}  // namespace autoscale::report
