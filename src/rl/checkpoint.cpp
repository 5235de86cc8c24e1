#include "rl/checkpoint.hpp"

#include <fmt/format.h>

#include <fstream>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "rl/agent.hpp"

namespace autoscale::rl {

void save_checkpoint(const Checkpoint& c, const std::filesystem::path& path) {
  nlohmann::json histories = nlohmann::json::array();
  for (const auto& h : c.histories) {
    std::vector<int> flat;
    for (const Action& a : h) {
      flat.push_back(a.add);
      flat.push_back(a.remove);
    }
    histories.push_back(flat);
  }
  const nlohmann::json body = {
      {"config", c.config_toml},
      {"seed", c.seed},
      {"total_steps", c.total_steps},
      {"threads", c.threads},
      {"scenario", c.scenarios},
      {"model", c.model},
      {"actor_optimizer", c.actor_optimizer},
      {"critic_optimizer", c.critic_optimizer},
      {"return_running", c.return_running},
      {"return_stats", c.return_stats},
      {"shuffle_rng", c.shuffle_rng},
      {"env_rngs", c.env_rngs},
      {"iteration", c.iteration},
      {"steps", c.steps},
      {"seconds", c.seconds},
      {"best_validation", c.best_validation ? nlohmann::json(*c.best_validation) : nlohmann::json()},
      {"next_validation", c.next_validation},
      {"next_checkpoint", c.next_checkpoint},
      {"finished_profits", c.finished_profits},
      {"episode_counts", c.episode_counts},
      {"histories", histories},
  };
  const std::string text = body.dump();
  const nlohmann::json header = {{"format", "autoscale-checkpoint"}, {"version", 2}, {"checksum", fnv1a64_hex(text)}};
  write_file_atomic(path, header.dump() + "\n" + text + "\n");
}

Checkpoint load_checkpoint(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("--resume: no checkpoint at {}", path.string()));
  std::string header_line, body_line;
  std::getline(in, header_line);
  std::getline(in, body_line);
  try {
    const auto header = nlohmann::json::parse(header_line);
    if (header.value("format", "") != "autoscale-checkpoint" || header.value("version", 0) != 2 ||
        header.value("checksum", "") != fnv1a64_hex(body_line)) {
      throw Error(fmt::format("{}: checkpoint is corrupt or of another version (format, version or checksum mismatch)",
                              path.string()));
    }
    const auto p = nlohmann::json::parse(body_line);
    Checkpoint c;
    c.config_toml = p.at("config").get<std::string>();
    c.seed = p.at("seed").get<std::uint64_t>();
    c.total_steps = p.at("total_steps").get<std::int64_t>();
    c.threads = p.at("threads").get<int>();
    c.scenarios = p.at("scenario").get<std::string>();
    c.model = p.at("model").get<std::string>();
    c.actor_optimizer = p.at("actor_optimizer");
    c.critic_optimizer = p.at("critic_optimizer");
    c.return_running = p.at("return_running").get<std::vector<double>>();
    c.return_stats = p.at("return_stats").get<std::array<double, 3>>();
    c.shuffle_rng = p.at("shuffle_rng").get<std::array<std::uint64_t, 4>>();
    c.env_rngs = p.at("env_rngs").get<std::vector<std::array<std::uint64_t, 4>>>();
    c.iteration = p.at("iteration").get<std::int64_t>();
    c.steps = p.at("steps").get<std::int64_t>();
    c.seconds = p.at("seconds").get<double>();
    if (!p.at("best_validation").is_null()) c.best_validation = p.at("best_validation").get<double>();
    c.next_validation = p.at("next_validation").get<std::int64_t>();
    c.next_checkpoint = p.at("next_checkpoint").get<std::int64_t>();
    c.finished_profits = p.at("finished_profits").get<std::vector<double>>();
    c.episode_counts = p.at("episode_counts").get<std::vector<std::int64_t>>();
    for (const auto& hj : p.at("histories")) {
      const auto flat = hj.get<std::vector<int>>();
      std::vector<Action> acts;
      for (std::size_t k = 0; k + 1 < flat.size(); k += 2) acts.push_back({flat[k], flat[k + 1]});
      c.histories.push_back(std::move(acts));
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: checkpoint is corrupt: {}", path.string(), e.what()));
  }
}

}  // namespace autoscale::rl
