#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/env.hpp"

namespace autoscale::rl {

// Everything a training run needs to continue bit for bit after a crash or kill -9: the model,
// the optimizers' moments, every random stream, the return normalizer, and each environment's
// episode counter and actions so far (the pool replays them; load and capacity never depend on
// actions). The first block says which run it belongs to: a resume with other settings is refused.
struct Checkpoint {
  // Identity of the run.
  std::string config_toml;
  std::uint64_t seed = 0;
  std::int64_t total_steps = 0;
  int threads = 0;
  std::string scenarios;  // names of the training mix

  // Learner state.
  std::string model;  // model_to_string()
  nlohmann::json actor_optimizer, critic_optimizer;
  std::vector<double> return_running;
  std::array<double, 3> return_stats{};  // mean, var, count
  std::array<std::uint64_t, 4> shuffle_rng{};
  std::vector<std::array<std::uint64_t, 4>> env_rngs;

  // Schedule and bookkeeping.
  std::int64_t iteration = 0, steps = 0;
  double seconds = 0;
  std::optional<double> best_validation;
  std::int64_t next_validation = 0, next_checkpoint = 0;
  std::vector<double> finished_profits;

  // The pool.
  std::vector<std::int64_t> episode_counts;
  std::vector<std::vector<Action>> histories;
};

// A checkpoint's text, the one envelope every trainer's checkpoint uses: a header line
// {"format", "version", "checksum" (FNV-1a 64 of the body line)} and the body on one line.
std::string checkpoint_envelope(const std::string& format, int version, const nlohmann::json& body);
// The body of an envelope of `format` and `version`; throws Error naming `source` when it is of
// another format (`other_formats` maps a known other format to the message to give for it), of
// another version, or its checksum or JSON does not hold.
nlohmann::json open_checkpoint_envelope(const std::string& text, const std::string& source, const std::string& format,
                                        int version, const std::map<std::string, std::string>& other_formats = {});
// Each environment's actions so far as [add, remove, add, remove, ...] per environment.
nlohmann::json action_histories_to_json(const std::vector<std::vector<Action>>& histories);
std::vector<std::vector<Action>> action_histories_from_json(const nlohmann::json& j);

// A header line (format, version, checksum of the body) and the body on one line, written atomically.
void save_checkpoint(const Checkpoint& c, const std::filesystem::path& path);
// Throws Error naming the path when the file is missing, corrupt or of another format.
Checkpoint load_checkpoint(const std::filesystem::path& path);

}  // namespace autoscale::rl
