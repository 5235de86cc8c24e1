#pragma once
// What keeps a learned policy from doing something terrible on inputs unlike its training data.
// It is part of the model file, so it applies wherever the model runs (evaluate, serve, replay):
// 1. A floor: the fleet (active + warming) never goes below what serves the highest load of the
//    last `floor_minutes` minutes at `floor_utilization`. A network that wants to shrink the fleet
//    under the load it just saw is overruled; it can still shed capacity as the load falls. A
//    residual policy is also held to `base_floor` of what its classical controller proposes: it
//    may trim that controller's fleet, never gut it.
// 2. A fallback: in a minute where some feature lies outside the range the model saw in training
//    by more than `ood_margin` times that range, a classical rule decides instead: keep every
//    machine, and add what serves the highest load of the last `fallback_minutes` minutes at
//    `fallback_utilization`. It has no state of its own, so it can take over in any minute and
//    hand back the next.
// Training a residual policy applies the floor too, so the network learns in the conditions it
// will act in; for the other actions the floor is a safety net at deployment only (decision.hpp).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "env/env.hpp"
#include "env/features.hpp"

namespace autoscale::rl {

struct Guardrail {
  bool floor = true;
  double floor_utilization = 0.95;
  int floor_minutes = 10;  // <= Features::kRecentMinutes
  double base_floor = 0.9;  // residual policies: fraction of the base controller's fleet
  bool fallback = true;
  double ood_margin = 0.5;
  double fallback_utilization = 0.6;
  int fallback_minutes = 30;  // <= Features::kRecentMinutes

  // The smallest fleet the floor allows (0 when it is off); `base_fleet` is a residual policy's
  // controller's proposal (0 for other policies).
  int floor_machines(const Features& f, const ServiceParams& p, int base_fleet = 0) const;
  // `a` unless it leaves the fleet below the floor; then the move toward the floor.
  Action apply_floor(const Action& a, const Env& env, const Features& f, int base_fleet = 0) const;
  // The fallback's move.
  Action fallback_action(const Env& env, const Features& f) const;
};

nlohmann::json to_json(const Guardrail& g);
// Throws Error naming the bad field.
Guardrail guardrail_from_json(const nlohmann::json& j);

}  // namespace autoscale::rl
