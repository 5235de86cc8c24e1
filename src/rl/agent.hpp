#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/features.hpp"
#include "rl/action_space.hpp"
#include "rl/categorical.hpp"
#include "rl/guardrail.hpp"
#include "rl/mlp.hpp"
#include "rl/normalizer.hpp"

namespace autoscale::rl {

// A trained (or training) policy: actor and critic networks, the observation statistics they were
// trained with, and how observations are built and actions decoded.
struct Agent {
  FeatureSet features = FeatureSet::kExtended;
  ActionSpace action;
  int obs_dim = 0;
  std::vector<int> head_sizes;
  std::vector<int> hidden;
  bool normalize_obs = true;
  RunningMeanStd obs_stats;
  FeatureRange obs_range;  // what training saw, for the guardrail
  Guardrail guardrail;
  Mlp<float> actor{{1, 1}}, critic{{1, 1}};
  nlohmann::json info;  // provenance: scenario, steps, validation profit, ...

  Agent() = default;
  Agent(FeatureSet f, ActionSpace a, int obs_dim, std::vector<int> head_sizes, std::vector<int> hidden, bool normalize_obs,
        std::uint64_t init_seed);

  int num_logits() const;
  // Normalizes one observation (or a batch, one column each) with the saved statistics.
  void normalize(const Eigen::Ref<const Eigen::MatrixXf>& raw, Eigen::Ref<Eigen::MatrixXf> out) const;
};

// The model file: JSON, documented in docs/model-format.md.
//   {"format": "autoscale-model", "version": 2, "checksum": "fnv1a64:<16 hex>", "payload": {...}}
// The checksum is FNV-1a 64 of payload.dump() (nlohmann's compact form). Loading checks format,
// version, checksum and every array's size, and names what is wrong.
// Version 2 added the guardrail; version 1 files load with the guardrail off (they were trained
// without it).
inline constexpr int kModelVersion = 2;
std::string model_to_string(const Agent& a);
Agent model_from_string(const std::string& text, const std::string& source);
void save_model(const Agent& a, const std::filesystem::path& path);
Agent load_model(const std::filesystem::path& path);
std::string fnv1a64_hex(const std::string& s);

}  // namespace autoscale::rl
