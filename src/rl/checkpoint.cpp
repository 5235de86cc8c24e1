#include "rl/checkpoint.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "rl/agent.hpp"

namespace autoscale::rl {
namespace {
constexpr const char* kFormat = "autoscale-checkpoint";
constexpr int kVersion = 2;
}  // namespace

std::string checkpoint_envelope(const std::string& format, int version, const nlohmann::json& body) {
  const std::string text = body.dump();
  const nlohmann::json header = {{"format", format}, {"version", version}, {"checksum", fnv1a64_hex(text)}};
  return header.dump() + "\n" + text + "\n";
}

nlohmann::json open_checkpoint_envelope(const std::string& text, const std::string& source, const std::string& format,
                                        int version, const std::map<std::string, std::string>& other_formats) {
  const auto eol = text.find('\n');
  const std::string header_line = text.substr(0, eol);
  std::string body_line = eol == std::string::npos ? std::string() : text.substr(eol + 1);
  if (const auto end = body_line.find('\n'); end != std::string::npos) body_line.resize(end);
  try {
    const auto header = nlohmann::json::parse(header_line);
    const std::string found = header.value("format", "");
    if (const auto it = other_formats.find(found); it != other_formats.end()) {
      throw Error(fmt::format("{}: {}", source, it->second));
    }
    if (found != format || header.value("version", 0) != version || header.value("checksum", "") != fnv1a64_hex(body_line)) {
      throw Error(fmt::format("{}: checkpoint is corrupt or of another version (format, version or checksum mismatch)",
                              source));
    }
    return nlohmann::json::parse(body_line);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: checkpoint is corrupt: {}", source, e.what()));
  }
}

nlohmann::json action_histories_to_json(const std::vector<std::vector<Action>>& histories) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : histories) {
    std::vector<int> flat;
    flat.reserve(h.size() * 2);
    for (const Action& a : h) {
      flat.push_back(a.add);
      flat.push_back(a.remove);
    }
    out.push_back(std::move(flat));
  }
  return out;
}

std::vector<std::vector<Action>> action_histories_from_json(const nlohmann::json& j) {
  std::vector<std::vector<Action>> out;
  for (const auto& hj : j) {
    const auto flat = hj.get<std::vector<int>>();
    std::vector<Action> acts;
    for (std::size_t k = 0; k + 1 < flat.size(); k += 2) acts.push_back({flat[k], flat[k + 1]});
    out.push_back(std::move(acts));
  }
  return out;
}

void save_checkpoint(const Checkpoint& c, const std::filesystem::path& path) {
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
      {"histories", action_histories_to_json(c.histories)},
  };
  write_file_atomic(path, checkpoint_envelope(kFormat, kVersion, body));
}

Checkpoint load_checkpoint(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("--resume: no checkpoint at {}", path.string()));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const nlohmann::json p = open_checkpoint_envelope(text, path.string(), kFormat, kVersion);
  try {
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
    c.histories = action_histories_from_json(p.at("histories"));
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: checkpoint is corrupt: {}", path.string(), e.what()));
  }
}

}  // namespace autoscale::rl
