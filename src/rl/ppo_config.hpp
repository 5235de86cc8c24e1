#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/name_table.hpp"
#include "core/seed_ranges.hpp"
#include "env/features.hpp"
#include "rl/action_space.hpp"
#include "rl/guardrail.hpp"

namespace autoscale::rl {

// PPO, or A2C: the same loss taken once per rollout (one epoch, one minibatch, so the ratio is 1
// and clipping never acts), with RMSprop as in the A3C paper.
enum class Algorithm { kPpo, kA2c };
enum class Optimizer { kAdam, kRmsProp };
// What the learner is paid each minute. kExpected: the minute's reward in expectation over the
// fleet's capacity draw (same optimal policy, far less variance: a -200 downtime draw no action
// could have prevented no longer swamps the advantage); kRealized: the environment's reward as
// drawn. Profits are always reported as realized.
enum class TrainingReward { kExpected, kRealized };

inline constexpr auto kAlgorithmNames =
    make_name_table<Algorithm>("algorithm", std::pair{Algorithm::kPpo, "ppo"}, std::pair{Algorithm::kA2c, "a2c"});
inline constexpr auto kOptimizerNames =
    make_name_table<Optimizer>("optimizer", std::pair{Optimizer::kAdam, "adam"}, std::pair{Optimizer::kRmsProp, "rmsprop"});
inline constexpr auto kTrainingRewardNames = make_name_table<TrainingReward>(
    "training reward", std::pair{TrainingReward::kExpected, "expected"}, std::pair{TrainingReward::kRealized, "realized"});
inline std::string to_string(Algorithm a) { return kAlgorithmNames.name(a); }
inline std::string to_string(Optimizer o) { return kOptimizerNames.name(o); }
inline std::string to_string(TrainingReward r) { return kTrainingRewardNames.name(r); }

// Everything that shapes a training run. `autoscale train --config FILE.toml` overrides any of
// these under a [ppo] table, starting from a preset (`preset = "default" | "seed" | "a2c"`).
// Names follow CleanRL's ppo.py where they differ from it.
struct PpoConfig {
  std::string preset = "default";
  Algorithm algorithm = Algorithm::kPpo;
  int num_envs = 16;               // environments stepped together (CleanRL: num_envs)
  int rollout_steps = 256;         // steps per environment per update (CleanRL: num_steps)
  int epochs = 4;                  // passes over each rollout (CleanRL: update_epochs); A2C: 1
  int minibatches = 4;             // minibatches per epoch (CleanRL: num_minibatches); A2C: 1
  Optimizer optimizer = Optimizer::kAdam;
  double learning_rate = 3e-4;
  bool anneal_lr = true;           // linearly to 0 over the run
  double gamma = 0.9;              // discount; 0.9-0.95 beat 0.99 here (rewards arrive within minutes)
  double gae_lambda = 0.95;
  double clip = 0.2;               // PPO's ratio clip (CleanRL: clip_coef)
  double vf_coef = 0.5;            // weight of the value loss
  double ent_coef = 0.0005;        // weight of the entropy bonus
  double max_grad_norm = 0.5;      // joint L2 clip of actor and critic gradients
  bool normalize_advantages = true;  // per minibatch (CleanRL: norm_adv)
  bool normalize_obs = true;       // running mean/var, saved with the model
  bool normalize_reward = true;    // by the running sd of the discounted return
  std::vector<int> hidden = {64, 64};  // tanh layers of actor and critic
  FeatureSet features = FeatureSet::kExtended;
  TrainingReward reward = TrainingReward::kExpected;
  ActionSpace action = ActionSpace::target_default();
  Guardrail guardrail;             // saved with the model; the [guardrail] table of a config file
  int validation_episodes = 32;    // deterministic-policy episodes that pick `best`; 0 = none
  // Validation seeds: validation_seed .. + episodes - 1 (core/seed_ranges.hpp); the trainer refuses
  // a run whose training episodes would meet them.
  std::uint64_t validation_seed = seeds::kValidation;
  std::int64_t validation_every_steps = 500000;
  std::int64_t checkpoint_every_steps = 1000000;

  std::int64_t batch_size() const { return static_cast<std::int64_t>(num_envs) * rollout_steps; }
};

PpoConfig preset_config(const std::string& name);  // one of preset_names()
std::vector<std::string> preset_names();           // the presets preset_config knows
// Reads a TOML file's [ppo] table over its preset; errors name the file, line and key.
PpoConfig load_ppo_config(const std::filesystem::path& path);
PpoConfig parse_ppo_config(const std::string& text, const std::string& source);
// Throws Error naming `source` when settings contradict each other (A2C with several epochs, a
// batch that minibatches do not divide, ...).
void check_ppo_config(const PpoConfig& c, const std::string& source);
std::string to_toml(const PpoConfig& c);

}  // namespace autoscale::rl
