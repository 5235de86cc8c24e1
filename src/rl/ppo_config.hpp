#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "env/features.hpp"
#include "rl/action_space.hpp"

namespace autoscale::rl {

// Everything that shapes a training run. `autoscale train --config FILE.toml` overrides any of
// these under a [ppo] table, starting from a preset (`preset = "default" | "seed" | "a2c"`).
struct PpoConfig {
  std::string preset = "default";
  std::string algorithm = "ppo";  // "ppo" or "a2c" (one epoch, one minibatch, no clipping)
  int num_envs = 16;
  int rollout_steps = 256;
  int epochs = 4;
  int minibatches = 4;
  double learning_rate = 3e-4;
  bool anneal_lr = true;
  double gamma = 0.9;
  double gae_lambda = 0.95;
  double clip = 0.2;
  double vf_coef = 0.5;
  double ent_coef = 0.0005;
  double max_grad_norm = 0.5;
  bool normalize_advantages = true;
  bool normalize_obs = true;
  bool normalize_reward = true;
  std::vector<int> hidden = {64, 64};
  FeatureSet features = FeatureSet::kExtended;
  // "expected": train on each minute's reward in expectation over the capacity draw (same optimal
  // policy, far less variance: a -200 downtime draw no action could have prevented no longer
  // swamps the advantage); "realized": the environment's reward as drawn. Profits are always realized.
  std::string reward = "expected";
  ActionSpace action = ActionSpace::target_default();
  int validation_episodes = 32;
  std::uint64_t validation_seed = 900000;  // validation seeds: validation_seed .. + episodes - 1
  std::int64_t validation_every_steps = 500000;
  std::int64_t checkpoint_every_steps = 1000000;

  std::int64_t batch_size() const { return static_cast<std::int64_t>(num_envs) * rollout_steps; }
};

PpoConfig preset_config(const std::string& name);  // "default", "seed", "a2c"
// Reads a TOML file's [ppo] table over its preset; errors name the file, line and key.
PpoConfig load_ppo_config(const std::filesystem::path& path);
PpoConfig parse_ppo_config(const std::string& text, const std::string& source);
std::string to_toml(const PpoConfig& c);

}  // namespace autoscale::rl
