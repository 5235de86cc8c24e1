#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "rl/ppo_config.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::rl {

struct TrainOptions {
  Scenario scenario;
  std::uint64_t seed = 0;          // training episodes use seeds seed*1e6 + ..., network init and sampling too
  std::int64_t total_steps = 5'000'000;
  std::filesystem::path out_dir;   // model, best, progress.csv, config.toml, checkpoint.json
  PpoConfig config;
  bool resume = false;
  int threads = 1;
  // Stops after this many steps as if killed (no final model; the last checkpoint stays). For
  // testing that a resumed run continues exactly; 0 = never.
  std::int64_t stop_after_steps = 0;
};

// One line of progress.csv (and of the progress display).
struct ProgressRow {
  std::int64_t steps = 0;
  double seconds = 0, steps_per_second = 0;
  std::optional<double> train_profit, validation_profit;
  double policy_loss = 0, value_loss = 0, entropy = 0, approx_kl = 0, clip_fraction = 0, learning_rate = 0;
};
inline constexpr const char* kProgressHeader =
    "steps,wall_seconds,steps_per_second,train_episode_profit,validation_profit,policy_loss,value_loss,entropy,"
    "approx_kl,clip_fraction,learning_rate\n";
std::string to_csv(const ProgressRow& r);

struct TrainResult {
  std::int64_t steps = 0;
  double seconds = 0, steps_per_second = 0;
  std::optional<double> best_validation_profit;
};

// Trains with PPO (or A2C) on the scenario and writes out_dir/{model,best,progress.csv,config.toml}.
// Same options and thread count -> the same model; a run resumed from its checkpoint continues
// exactly as if it had not been interrupted.
TrainResult train(const TrainOptions& options, const std::function<void(const ProgressRow&)>& on_progress = {});

// Mean profit of the agent's deterministic policy on `episodes` episodes from `first_seed`.
struct Agent;
double validate(const Agent& agent, const Scenario& scenario, std::uint64_t first_seed, int episodes, int threads);

}  // namespace autoscale::rl
