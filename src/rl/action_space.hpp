#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/env.hpp"
#include "env/features.hpp"

namespace autoscale::rl {

// How a network's categorical choices become the environment's (add, remove).
// - kNotebook (user-facing "seed"): the seed's own action, two heads: add in 0..max_machine_delta,
//   remove in 0..max_machine_delta.
// - kTarget: two heads choose a load factor f and a reserve R (tpm) from grids, and the fleet is
//   steered to ceil((load * f + R) / tpm_per_machine) machines (active + warming). The network
//   thus learns a state-dependent headroom: more ahead of rises and after spikes start, less on
//   quiet stretches, which the seed's per-machine deltas make it rediscover step by step.
// - kRelative: the same headroom, free of the service's scale and of per-minute noise: the base is
//   the highest load of the last `base_minutes` minutes (a one-minute dip does not shed machines
//   that the next minute needs again) and the reserve is a fraction of the service's reference
//   level (Features::reference_level), so one model fits services of any size.
enum class ActionKind { kNotebook, kTarget, kRelative };

struct ActionSpace {
  ActionKind kind = ActionKind::kTarget;
  std::vector<double> factors;   // kTarget, kRelative: load multipliers
  std::vector<double> reserves;  // kTarget: extra tpm; kRelative: fractions of the reference level
  int base_minutes = 1;          // kRelative: the base is the highest load of this many minutes

  static ActionSpace notebook();
  static ActionSpace target_default();
  static ActionSpace relative_default();
  std::vector<int> head_sizes(const ServiceParams& p) const;
  // `choice` holds one category index per head; `features` are the policy's own (its reference
  // level and recent loads).
  Action decode(const int* choice, const Env& env, const Features& features) const;
  std::string name() const;  // "seed", "target", "relative"
};

ActionSpace action_space_named(const std::string& name);  // the defaults of "seed", "target", "relative"
nlohmann::json to_json(const ActionSpace& a);
ActionSpace action_space_from_json(const nlohmann::json& j);

}  // namespace autoscale::rl
