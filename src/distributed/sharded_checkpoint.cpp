#include "distributed/sharded_checkpoint.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "rl/checkpoint.hpp"

namespace autoscale::distributed {

namespace {
constexpr int kVersion = 1;
constexpr const char* kFormat = "autoscale-sharded-checkpoint";
}  // namespace

nlohmann::json to_json(const ShardState& s) {
  return {{"index", s.index},
          {"env_rngs", s.env_rngs},
          {"shuffle_rng", s.shuffle_rng},
          {"return_running", s.return_running},
          {"episode_counts", s.episode_counts},
          {"histories", rl::action_histories_to_json(s.histories)}};
}

ShardState shard_state_from_json(const nlohmann::json& j) {
  ShardState s;
  s.index = j.at("index").get<int>();
  s.env_rngs = j.at("env_rngs").get<std::vector<std::array<std::uint64_t, 4>>>();
  s.shuffle_rng = j.at("shuffle_rng").get<std::array<std::uint64_t, 4>>();
  s.return_running = j.at("return_running").get<std::vector<double>>();
  s.episode_counts = j.at("episode_counts").get<std::vector<std::int64_t>>();
  s.histories = rl::action_histories_from_json(j.at("histories"));
  return s;
}

std::string to_string(const ShardedCheckpoint& c) {
  const nlohmann::json body = {
      {"config", c.config_toml},
      {"seed", c.seed},
      {"total_steps", c.total_steps},
      {"shards", c.shards},
      {"scenario", c.scenarios},
      {"model", c.model},
      {"actor_optimizer", c.actor_optimizer},
      {"critic_optimizer", c.critic_optimizer},
      {"return_stats", c.return_stats},
      {"iteration", c.iteration},
      {"steps", c.steps},
      {"seconds", c.seconds},
      {"best_validation", c.best_validation ? nlohmann::json(*c.best_validation) : nlohmann::json()},
      {"next_validation", c.next_validation},
      {"next_checkpoint", c.next_checkpoint},
      {"shard_states", c.shard_states},
  };
  return rl::checkpoint_envelope(kFormat, kVersion, body);
}

ShardedCheckpoint sharded_checkpoint_from_string(const std::string& text, const std::string& source) {
  const nlohmann::json p = rl::open_checkpoint_envelope(
      text, source, kFormat, kVersion,
      {{"autoscale-checkpoint", "checkpoint was written by a run without --shards (or mpirun); resume it the same way"}});
  try {
    ShardedCheckpoint c;
    c.config_toml = p.at("config").get<std::string>();
    c.seed = p.at("seed").get<std::uint64_t>();
    c.total_steps = p.at("total_steps").get<std::int64_t>();
    c.shards = p.at("shards").get<int>();
    c.scenarios = p.at("scenario").get<std::string>();
    c.model = p.at("model").get<std::string>();
    c.actor_optimizer = p.at("actor_optimizer");
    c.critic_optimizer = p.at("critic_optimizer");
    c.return_stats = p.at("return_stats").get<std::array<double, 3>>();
    c.iteration = p.at("iteration").get<std::int64_t>();
    c.steps = p.at("steps").get<std::int64_t>();
    c.seconds = p.at("seconds").get<double>();
    if (!p.at("best_validation").is_null()) c.best_validation = p.at("best_validation").get<double>();
    c.next_validation = p.at("next_validation").get<std::int64_t>();
    c.next_checkpoint = p.at("next_checkpoint").get<std::int64_t>();
    c.shard_states = p.at("shard_states").get<std::vector<nlohmann::json>>();
    if (static_cast<int>(c.shard_states.size()) != c.shards) {
      throw Error(fmt::format("{}: checkpoint holds {} shard states for {} shards", source, c.shard_states.size(), c.shards));
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: checkpoint is corrupt: {}", source, e.what()));
  }
}

}  // namespace autoscale::distributed
