#include "rl/guardrail.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "policies/actuator.hpp"

namespace autoscale::rl {
namespace {

int machines_serving(double load, double utilization, const ServiceParams& p) {
  return std::min(static_cast<int>(std::ceil(load / (utilization * p.tpm_per_machine))), p.max_machines());
}

}  // namespace

int Guardrail::floor_machines(const Features& f, const ServiceParams& p, int base_fleet) const {
  if (!floor) return 0;
  const int from_base = static_cast<int>(std::ceil(base_floor * base_fleet - 1e-9));
  return std::max(machines_serving(f.recent_max(floor_minutes), floor_utilization, p), std::min(from_base, p.max_machines()));
}

Action Guardrail::apply_floor(const Action& a, const Env& env, const Features& f, int base_fleet) const {
  if (!floor) return a;
  const int low = floor_machines(f, env.params(), base_fleet);
  // The environment removes at most the active machines, so asking for more is not a move below
  // the floor (an untrained "seed" action asks for up to 10).
  const int after = env.fleet().active() + env.fleet().warming() + a.add - std::min(a.remove, env.fleet().active());
  return after >= low ? a : steer_to(env, low);
}

Action Guardrail::fallback_action(const Env& env, const Features& f) const {
  const int have = env.fleet().active() + env.fleet().warming();
  return steer_to(env, std::max(have, machines_serving(f.recent_max(fallback_minutes), fallback_utilization, env.params())));
}

nlohmann::json to_json(const Guardrail& g) {
  return {{"floor", g.floor},
          {"floor_utilization", g.floor_utilization},
          {"floor_minutes", g.floor_minutes},
          {"base_floor", g.base_floor},
          {"fallback", g.fallback},
          {"ood_margin", g.ood_margin},
          {"fallback_utilization", g.fallback_utilization},
          {"fallback_minutes", g.fallback_minutes}};
}

Guardrail guardrail_from_json(const nlohmann::json& j) {
  Guardrail g;
  try {
    g.floor = j.at("floor").get<bool>();
    g.floor_utilization = j.at("floor_utilization").get<double>();
    g.floor_minutes = j.at("floor_minutes").get<int>();
    g.base_floor = j.at("base_floor").get<double>();
    g.fallback = j.at("fallback").get<bool>();
    g.ood_margin = j.at("ood_margin").get<double>();
    g.fallback_utilization = j.at("fallback_utilization").get<double>();
    g.fallback_minutes = j.at("fallback_minutes").get<int>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("guardrail: ") + e.what());
  }
  const auto check_minutes = [](int m, const char* what) {
    if (m < 1 || m > Features::kRecentMinutes) {
      throw Error(std::string("guardrail: ") + what + " must be in [1, " + std::to_string(Features::kRecentMinutes) + "]");
    }
  };
  check_minutes(g.floor_minutes, "floor_minutes");
  check_minutes(g.fallback_minutes, "fallback_minutes");
  if (!(g.floor_utilization > 0 && g.floor_utilization <= 10)) throw Error("guardrail: floor_utilization must be in (0, 10]");
  if (!(g.fallback_utilization > 0 && g.fallback_utilization <= 10)) throw Error("guardrail: fallback_utilization must be in (0, 10]");
  if (!(g.ood_margin >= 0)) throw Error("guardrail: ood_margin must be >= 0");
  if (!(g.base_floor >= 0 && g.base_floor <= 10)) throw Error("guardrail: base_floor must be in [0, 10]");
  return g;
}

}  // namespace autoscale::rl
