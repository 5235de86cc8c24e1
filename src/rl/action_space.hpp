#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/env.hpp"

namespace autoscale::rl {

// How a network's categorical choices become the environment's (add, remove).
// - kNotebook (user-facing "seed"): the seed's own action, two heads: add in 0..max_machine_delta, remove in 0..max_machine_delta.
// - kTarget: two heads choose a load factor f and a reserve R (tpm) from grids, and the fleet is
//   steered to ceil((load * f + R) / tpm_per_machine) machines (active + warming). The network
//   thus learns a state-dependent headroom: more ahead of rises and after spikes start, less on
//   quiet stretches, which the seed's per-machine deltas make it rediscover step by step.
enum class ActionKind { kNotebook, kTarget };

struct ActionSpace {
  ActionKind kind = ActionKind::kTarget;
  std::vector<double> factors;   // kTarget: load multipliers
  std::vector<double> reserves;  // kTarget: extra tpm of capacity

  static ActionSpace notebook();
  static ActionSpace target_default();
  std::vector<int> head_sizes(const ServiceParams& p) const;
  // `choice` holds one category index per head.
  Action decode(const int* choice, const Env& env) const;
  std::string name() const { return kind == ActionKind::kNotebook ? "seed" : "target"; }
};

nlohmann::json to_json(const ActionSpace& a);
ActionSpace action_space_from_json(const nlohmann::json& j);

}  // namespace autoscale::rl
