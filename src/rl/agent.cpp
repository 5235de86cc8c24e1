#include "rl/agent.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/output_file.hpp"
#include "core/error.hpp"

namespace autoscale::rl {

Agent::Agent(FeatureSet f, ActionSpace a, int dim, std::vector<int> heads, std::vector<int> hid, bool norm,
             std::uint64_t init_seed)
    : features(f),
      action(std::move(a)),
      obs_dim(dim),
      head_sizes(std::move(heads)),
      hidden(std::move(hid)),
      normalize_obs(norm),
      obs_stats(dim),
      obs_range(dim) {
  std::vector<int> actor_sizes{dim}, critic_sizes{dim};
  for (int h : hidden) {
    actor_sizes.push_back(h);
    critic_sizes.push_back(h);
  }
  actor_sizes.push_back(num_logits());
  critic_sizes.push_back(1);
  actor = Mlp<float>(actor_sizes);
  critic = Mlp<float>(critic_sizes);
  // CleanRL's initialisation: orthogonal, gain sqrt(2) inside, 0.01 on the policy head (near-uniform
  // first actions), 1 on the value head.
  actor.init_orthogonal(init_seed, std::sqrt(2.0f), 0.01f);
  critic.init_orthogonal(init_seed + 1, std::sqrt(2.0f), 1.0f);
}

int Agent::num_logits() const {
  int n = 0;
  for (int h : head_sizes) n += h;
  return n;
}

void Agent::normalize(const Eigen::Ref<const Eigen::MatrixXf>& raw, Eigen::Ref<Eigen::MatrixXf> out) const {
  if (normalize_obs) {
    obs_stats.normalize(raw, out);
  } else {
    out = raw;
  }
}

std::string fnv1a64_hex(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", h);
}

namespace {

template <typename V>
std::vector<double> to_vec(const V& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}

[[noreturn]] void bad(const std::string& source, const std::string& what) {
  throw Error(fmt::format("{}: not a valid autoscale model: {}", source, what));
}

}  // namespace

std::string model_to_string(const Agent& a) {
  nlohmann::json payload = {
      {"features", to_string(a.features)},
      {"features_version", kFeaturesVersion},
      {"obs_dim", a.obs_dim},
      {"action", to_json(a.action)},
      {"head_sizes", a.head_sizes},
      {"hidden", a.hidden},
      {"activation", "tanh"},
      {"normalize_obs", a.normalize_obs},
      {"obs_mean", to_vec(a.obs_stats.mean())},
      {"obs_var", to_vec(a.obs_stats.var())},
      {"obs_count", a.obs_stats.count()},
      {"obs_min", a.obs_range.empty() ? std::vector<double>{} : to_vec(a.obs_range.lo())},
      {"obs_max", a.obs_range.empty() ? std::vector<double>{} : to_vec(a.obs_range.hi())},
      {"actor", std::vector<float>(a.actor.params().data(), a.actor.params().data() + a.actor.params().size())},
      {"critic", std::vector<float>(a.critic.params().data(), a.critic.params().data() + a.critic.params().size())},
      {"guardrail", to_json(a.guardrail)},
      {"info", a.info},
  };
  const std::string body = payload.dump();
  nlohmann::json j = {{"format", "autoscale-model"}, {"version", kModelVersion}, {"checksum", "fnv1a64:" + fnv1a64_hex(body)}};
  // Written by hand so the checksummed text is exactly the payload's compact dump.
  std::string out = j.dump();
  out.pop_back();
  out += ",\"payload\":" + body + "}\n";
  return out;
}

Agent model_from_string(const std::string& text, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    bad(source, fmt::format("corrupt or truncated JSON at byte {}", e.byte));
  }
  if (!j.is_object() || j.value("format", "") != "autoscale-model") bad(source, "missing \"format\": \"autoscale-model\"");
  const int version = j.value("version", -1);
  if (version != kModelVersion && version != 1) {
    bad(source, fmt::format("version {} is not supported (this build reads 1 and {})", version, kModelVersion));
  }
  if (!j.contains("payload") || !j["payload"].is_object()) bad(source, "no payload");
  const nlohmann::json& p = j["payload"];
  const std::string want = "fnv1a64:" + fnv1a64_hex(p.dump());
  if (j.value("checksum", "") != want) bad(source, fmt::format("checksum mismatch (file says {}, content hashes to {})", j.value("checksum", "?"), want));
  if (p.value("features_version", -1) != kFeaturesVersion) {
    bad(source, fmt::format("its features are version {}, this build computes version {}: retrain the model",
                            p.value("features_version", -1), kFeaturesVersion));
  }
  try {
    Agent a(parse_feature_set(p.at("features").get<std::string>()), action_space_from_json(p.at("action")),
            p.at("obs_dim").get<int>(), p.at("head_sizes").get<std::vector<int>>(), p.at("hidden").get<std::vector<int>>(),
            p.at("normalize_obs").get<bool>(), 0);
    const auto mean = p.at("obs_mean").get<std::vector<double>>();
    const auto var = p.at("obs_var").get<std::vector<double>>();
    if (static_cast<int>(mean.size()) != a.obs_dim || static_cast<int>(var.size()) != a.obs_dim) bad(source, "obs_mean/obs_var size differs from obs_dim");
    a.obs_stats.set(Eigen::Map<const Eigen::VectorXd>(mean.data(), a.obs_dim), Eigen::Map<const Eigen::VectorXd>(var.data(), a.obs_dim),
                    p.at("obs_count").get<double>());
    if (p.contains("obs_min") && !p.at("obs_min").empty()) {
      const auto lo = p.at("obs_min").get<std::vector<float>>(), hi = p.at("obs_max").get<std::vector<float>>();
      if (static_cast<int>(lo.size()) != a.obs_dim || static_cast<int>(hi.size()) != a.obs_dim) bad(source, "obs_min/obs_max size differs from obs_dim");
      a.obs_range.set(Eigen::Map<const Eigen::VectorXf>(lo.data(), a.obs_dim), Eigen::Map<const Eigen::VectorXf>(hi.data(), a.obs_dim));
    }
    const auto actor = p.at("actor").get<std::vector<float>>();
    const auto critic = p.at("critic").get<std::vector<float>>();
    if (static_cast<Eigen::Index>(actor.size()) != a.actor.num_params()) bad(source, fmt::format("actor has {} parameters, its shape needs {}", actor.size(), a.actor.num_params()));
    if (static_cast<Eigen::Index>(critic.size()) != a.critic.num_params()) bad(source, fmt::format("critic has {} parameters, its shape needs {}", critic.size(), a.critic.num_params()));
    a.actor.params() = Eigen::Map<const Eigen::VectorXf>(actor.data(), a.actor.num_params());
    a.critic.params() = Eigen::Map<const Eigen::VectorXf>(critic.data(), a.critic.num_params());
    a.info = p.value("info", nlohmann::json::object());
    if (version == 1) {
      a.guardrail.floor = a.guardrail.fallback = false;
    } else {
      try {
        a.guardrail = guardrail_from_json(p.at("guardrail"));
      } catch (const Error& e) {
        bad(source, e.what());
      }
    }
    return a;
  } catch (const nlohmann::json::exception& e) {
    bad(source, e.what());
  }
}

void save_model(const Agent& a, const std::filesystem::path& path) { write_file_atomic(path, model_to_string(a)); }

Agent load_model(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot read model file {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return model_from_string(ss.str(), path.string());
}

}  // namespace autoscale::rl
