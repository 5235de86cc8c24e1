#include "rl/action_space.hpp"

#include <cmath>

#include "core/error.hpp"
#include "policies/actuator.hpp"

namespace autoscale::rl {

ActionSpace ActionSpace::notebook() {
  ActionSpace a;
  a.kind = ActionKind::kNotebook;
  return a;
}

ActionSpace ActionSpace::target_default() {
  ActionSpace a;
  a.kind = ActionKind::kTarget;
  for (int i = 0; i <= 20; ++i) a.factors.push_back(1.0 + 0.05 * i);  // 1.00 .. 2.00
  for (int i = 0; i <= 20; ++i) a.reserves.push_back(150.0 * i);      // 0 .. 3000 tpm
  return a;
}

ActionSpace ActionSpace::relative_default() {
  ActionSpace a;
  a.kind = ActionKind::kRelative;
  for (int i = 0; i <= 20; ++i) a.factors.push_back(1.0 + 0.05 * i);  // 1.00 .. 2.00
  for (int i = 0; i <= 20; ++i) a.reserves.push_back(0.02 * i);       // 0 .. 40 % of the level
  a.base_minutes = 3;
  return a;
}

std::string ActionSpace::name() const {
  switch (kind) {
    case ActionKind::kNotebook: return "seed";
    case ActionKind::kTarget: return "target";
    case ActionKind::kRelative: return "relative";
  }
  return "?";
}

ActionSpace action_space_named(const std::string& name) {
  if (name == "seed") return ActionSpace::notebook();
  if (name == "target") return ActionSpace::target_default();
  if (name == "relative") return ActionSpace::relative_default();
  throw Error("unknown action kind '" + name + "' (known: seed, target, relative)");
}

std::vector<int> ActionSpace::head_sizes(const ServiceParams& p) const {
  if (kind == ActionKind::kNotebook) return {p.max_machine_delta + 1, p.max_machine_delta + 1};
  return {static_cast<int>(factors.size()), static_cast<int>(reserves.size())};
}

Action ActionSpace::decode(const int* choice, const Env& env, const Features& features) const {
  if (kind == ActionKind::kNotebook) return {choice[0], choice[1]};
  const double f = factors[static_cast<std::size_t>(choice[0])], r = reserves[static_cast<std::size_t>(choice[1])];
  const double want = kind == ActionKind::kTarget
                          ? static_cast<double>(env.info().load) * f + r
                          : features.recent_max(base_minutes) * f + r * features.reference_level();
  const int machines = static_cast<int>(std::ceil(want / env.params().tpm_per_machine));
  return steer_to(env, std::min(machines, env.params().max_machines()));
}

nlohmann::json to_json(const ActionSpace& a) {
  nlohmann::json j = {{"kind", a.name()}};
  if (a.kind != ActionKind::kNotebook) {
    j["factors"] = a.factors;
    j["reserves"] = a.reserves;
  }
  if (a.kind == ActionKind::kRelative) j["base_minutes"] = a.base_minutes;
  return j;
}

ActionSpace action_space_from_json(const nlohmann::json& j) {
  ActionSpace a = action_space_named(j.at("kind").get<std::string>());
  if (a.kind == ActionKind::kNotebook) return a;
  a.factors = j.at("factors").get<std::vector<double>>();
  a.reserves = j.at("reserves").get<std::vector<double>>();
  if (a.factors.empty() || a.reserves.empty()) throw Error("target action needs non-empty factor and reserve grids");
  if (a.kind == ActionKind::kRelative) a.base_minutes = j.at("base_minutes").get<int>();
  return a;
}

}  // namespace autoscale::rl
