#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "rl/ppo_config.hpp"
#include "rl/progress.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::rl {

struct TrainOptions {
  // The training mix: the pool's environments are split between the scenarios in proportion to
  // their weights (split_by_weight), so one model learns several services.
  std::vector<WeightedScenario> scenarios;
  std::uint64_t seed = 0;  // training episodes use seeds from train_seed_base(seed); init and sampling too
  std::int64_t total_steps = 5'000'000;
  std::filesystem::path out_dir;  // model, best, progress.csv, config.toml, checkpoint.json
  PpoConfig config;
  bool resume = false;
  int threads = 1;
  // Stops after this many steps as if killed (no final model; the last checkpoint stays). For
  // testing that a resumed run continues exactly; 0 = never.
  std::int64_t stop_after_steps = 0;
};

struct TrainResult {
  std::int64_t steps = 0;
  double seconds = 0, steps_per_second = 0;
  std::optional<double> best_validation_profit;
};

// Trains with PPO (or A2C) on the mix and writes out_dir/{model,best,progress.csv,config.toml}.
// Same options and thread count -> the same model; a run resumed from its checkpoint continues
// exactly as if it had not been interrupted.
TrainResult train(const TrainOptions& options, const std::function<void(const ProgressRow&)>& on_progress = {});

}  // namespace autoscale::rl
