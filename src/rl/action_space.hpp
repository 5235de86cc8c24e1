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
// - kRelative: the same headroom, free of the service's scale and of per-minute noise: a third head
//   chooses a window, and the base is the highest load of that many last minutes (on noisy traffic
//   a long window holds machines the next burst needs again; on smooth traffic a short one follows
//   the load closely), and the reserve is a fraction of the service's reference level
//   (Features::reference_level), so one model fits services of any size.
// - kResidual: a classical controller (`base_policy`, a spec string, run inside the learned policy)
//   proposes a fleet each minute, and two heads adjust it: a multiplier (below 1 sheds what the
//   controller holds needlessly, above 1 adds ahead of it) and a reserve in units of the load's
//   volatility. A network that outputs 1 and 0 is the controller itself, so learning starts from a
//   tuned classical policy and improves on it, and the controller is the fallback it returns to.
enum class ActionKind { kNotebook, kTarget, kRelative, kResidual };

// What an action is decoded against: the environment, the policy's own features, and for a
// residual action the fleet its base controller proposes this minute.
struct DecodeContext {
  const Env& env;
  const Features& features;
  int base_fleet = 0;
};

struct ActionSpace {
  ActionKind kind = ActionKind::kTarget;
  std::vector<double> factors;   // kTarget, kRelative: load multipliers; kResidual: fleet multipliers
  std::vector<double> reserves;  // kTarget: extra tpm; kRelative: fractions of the reference level;
                                 // kResidual: multiples of the volatility
  std::vector<int> windows;      // kRelative: the base is the highest load of this many minutes
  // kRelative: what a reserve is counted in: the reference level or the load's volatility.
  enum class ReserveUnit { kLevel, kVolatility } reserve_unit = ReserveUnit::kLevel;
  std::string base_policy = "predictive";  // kResidual: the classical controller it adjusts

  static ActionSpace notebook();
  static ActionSpace target_default();
  static ActionSpace relative_default();
  static ActionSpace residual_default();
  std::vector<int> head_sizes(const ServiceParams& p) const;
  // `choice` holds one category index per head.
  Action decode(const int* choice, const DecodeContext& c) const;
  std::string name() const;  // "seed", "target", "relative", "relative-volatility", "residual"
};

ActionSpace action_space_named(const std::string& name);  // the defaults of each name()
std::vector<std::string> action_space_names();            // every name action_space_named knows
nlohmann::json to_json(const ActionSpace& a);
ActionSpace action_space_from_json(const nlohmann::json& j);

}  // namespace autoscale::rl
