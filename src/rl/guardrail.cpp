#include "rl/guardrail.hpp"

#include <cmath>

#include "core/error.hpp"
#include "policies/actuator.hpp"

namespace autoscale::rl {

int Guardrail::floor_machines(const Features& f, const ServiceParams& p) const {
  if (!floor) return 0;
  const double peak = f.recent_max(floor_minutes);
  return std::min(static_cast<int>(std::ceil(peak / (floor_utilization * p.tpm_per_machine))), p.max_machines());
}

Action Guardrail::apply_floor(const Action& a, const Env& env, const Features& f) const {
  const int low = floor_machines(f, env.params());
  const int after = env.fleet().active() + env.fleet().warming() + a.add - a.remove;
  return after >= low ? a : steer_to(env, low);
}

nlohmann::json to_json(const Guardrail& g) {
  return {{"floor", g.floor},
          {"floor_utilization", g.floor_utilization},
          {"floor_minutes", g.floor_minutes},
          {"fallback", g.fallback},
          {"ood_z", g.ood_z},
          {"fallback_policy", g.fallback_policy}};
}

Guardrail guardrail_from_json(const nlohmann::json& j) {
  Guardrail g;
  try {
    g.floor = j.at("floor").get<bool>();
    g.floor_utilization = j.at("floor_utilization").get<double>();
    g.floor_minutes = j.at("floor_minutes").get<int>();
    g.fallback = j.at("fallback").get<bool>();
    g.ood_z = j.at("ood_z").get<double>();
    g.fallback_policy = j.at("fallback_policy").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("guardrail: ") + e.what());
  }
  if (!(g.floor_utilization > 0 && g.floor_utilization <= 10)) throw Error("guardrail: floor_utilization must be in (0, 10]");
  if (g.floor_minutes < 1 || g.floor_minutes > Features::kRecentMinutes) {
    throw Error("guardrail: floor_minutes must be in [1, " + std::to_string(Features::kRecentMinutes) + "]");
  }
  if (!(g.ood_z > 0)) throw Error("guardrail: ood_z must be positive");
  return g;
}

}  // namespace autoscale::rl
