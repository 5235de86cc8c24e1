#pragma once
// The checkpoint of a sharded run: the learner's state (the same on every rank) and every shard's
// own state, gathered by rank 0, so a job resumes with any rank count R that divides the shards.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/env.hpp"

namespace autoscale::distributed {

// What a shard carries from one update to the next besides the shared learner.
struct ShardState {
  int index = 0;
  std::vector<std::array<std::uint64_t, 4>> env_rngs;  // per env: action sampling
  std::array<std::uint64_t, 4> shuffle_rng{};          // the shard's minibatch permutations
  std::vector<double> return_running;                  // per env: the discounted return so far
  std::vector<std::int64_t> episode_counts;            // per env (VecEnv::restore replays...)
  std::vector<std::vector<Action>> histories;          // ...the current episode's actions
};
nlohmann::json to_json(const ShardState& s);
ShardState shard_state_from_json(const nlohmann::json& j);

struct ShardedCheckpoint {
  // Identity of the run: a resume with other values is refused. Neither the rank count nor the
  // thread count is part of it (neither changes the result).
  std::string config_toml;
  std::uint64_t seed = 0;
  std::int64_t total_steps = 0;
  int shards = 0;
  std::string scenarios;

  std::string model;  // rl::model_to_string: weights and observation statistics
  nlohmann::json actor_optimizer, critic_optimizer;
  std::array<double, 3> return_stats{};  // the reward scaler's mean, var, count
  std::int64_t iteration = 0, steps = 0;
  double seconds = 0;
  std::optional<double> best_validation;
  std::int64_t next_validation = 0, next_checkpoint = 0;
  std::vector<nlohmann::json> shard_states;  // to_json(ShardState), in shard order
};

// A header line (format "autoscale-sharded-checkpoint", version, checksum of the body) and the
// body on one line, like rl's checkpoint.
std::string to_string(const ShardedCheckpoint& c);
// Throws Error naming `source` when the text is corrupt, of another format or incomplete.
ShardedCheckpoint sharded_checkpoint_from_string(const std::string& text, const std::string& source);

}  // namespace autoscale::distributed
