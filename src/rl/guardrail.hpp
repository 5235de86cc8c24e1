#pragma once
// What keeps a learned policy from doing something terrible on inputs unlike its training data.
// It is part of the model file, so it applies wherever the model runs (evaluate, serve, replay):
// 1. A floor: the fleet (active + warming) never goes below what serves the highest load of the
//    last `floor_minutes` minutes at `floor_utilization`. A network that wants to shrink the fleet
//    under the load it just saw is overruled; it can still shed capacity as the load falls.
// 2. A fallback: in a minute where an observation lies far outside what the model saw in training
//    (some normalized feature beyond `ood_z` standard deviations), a classical controller (a spec
//    string, kept warm every minute so it can take over at once) decides instead.
// Training applies the floor too, so the network learns in the same conditions it will act in.
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
  bool fallback = true;
  double ood_z = 8;
  std::string fallback_policy = "target-tracking:target=0.6";

  // The smallest fleet the floor allows (0 when it is off).
  int floor_machines(const Features& f, const ServiceParams& p) const;
  // `a` unless it leaves the fleet below the floor; then the move toward the floor.
  Action apply_floor(const Action& a, const Env& env, const Features& f) const;
};

nlohmann::json to_json(const Guardrail& g);
// Throws Error naming the bad field.
Guardrail guardrail_from_json(const nlohmann::json& j);

}  // namespace autoscale::rl
