#include "distributed/sharded_checkpoint.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "rl/agent.hpp"

namespace autoscale::distributed {

namespace {
constexpr int kVersion = 1;
constexpr const char* kFormat = "autoscale-sharded-checkpoint";
}  // namespace

nlohmann::json to_json(const ShardState& s) {
  nlohmann::json histories = nlohmann::json::array();
  for (const auto& h : s.histories) {
    std::vector<int> flat;
    flat.reserve(h.size() * 2);
    for (const Action& a : h) {
      flat.push_back(a.add);
      flat.push_back(a.remove);
    }
    histories.push_back(std::move(flat));
  }
  return {{"index", s.index},
          {"env_rngs", s.env_rngs},
          {"shuffle_rng", s.shuffle_rng},
          {"return_running", s.return_running},
          {"episode_counts", s.episode_counts},
          {"histories", histories}};
}

ShardState shard_state_from_json(const nlohmann::json& j) {
  ShardState s;
  s.index = j.at("index").get<int>();
  s.env_rngs = j.at("env_rngs").get<std::vector<std::array<std::uint64_t, 4>>>();
  s.shuffle_rng = j.at("shuffle_rng").get<std::array<std::uint64_t, 4>>();
  s.return_running = j.at("return_running").get<std::vector<double>>();
  s.episode_counts = j.at("episode_counts").get<std::vector<std::int64_t>>();
  for (const auto& hj : j.at("histories")) {
    const auto flat = hj.get<std::vector<int>>();
    std::vector<Action> acts;
    for (std::size_t k = 0; k + 1 < flat.size(); k += 2) acts.push_back({flat[k], flat[k + 1]});
    s.histories.push_back(std::move(acts));
  }
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
  const std::string text = body.dump();
  const nlohmann::json header = {{"format", kFormat}, {"version", kVersion}, {"checksum", rl::fnv1a64_hex(text)}};
  return header.dump() + "\n" + text + "\n";
}

ShardedCheckpoint sharded_checkpoint_from_string(const std::string& text, const std::string& source) {
  const auto eol = text.find('\n');
  const std::string header_line = text.substr(0, eol);
  std::string body_line = eol == std::string::npos ? std::string() : text.substr(eol + 1);
  if (!body_line.empty() && body_line.back() == '\n') body_line.pop_back();
  try {
    const auto header = nlohmann::json::parse(header_line);
    const std::string format = header.value("format", "");
    if (format == "autoscale-checkpoint") {
      throw Error(fmt::format("{}: checkpoint was written by a run without --shards (or mpirun); resume it the same way",
                              source));
    }
    if (format != kFormat || header.value("version", 0) != kVersion ||
        header.value("checksum", "") != rl::fnv1a64_hex(body_line)) {
      throw Error(fmt::format("{}: checkpoint is corrupt or of another version (format, version or checksum mismatch)",
                              source));
    }
    const auto p = nlohmann::json::parse(body_line);
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
