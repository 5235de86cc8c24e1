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
  for (int i = 0; i <= 20; ++i) a.factors.push_back(1.0 + 0.05 * i);   // 1.00 .. 2.00
  for (int i = 0; i <= 20; ++i) a.reserves.push_back(150.0 * i);       // 0 .. 3000 tpm
  return a;
}

std::vector<int> ActionSpace::head_sizes(const ServiceParams& p) const {
  if (kind == ActionKind::kNotebook) return {p.max_machine_delta + 1, p.max_machine_delta + 1};
  return {static_cast<int>(factors.size()), static_cast<int>(reserves.size())};
}

Action ActionSpace::decode(const int* choice, const Env& env) const {
  if (kind == ActionKind::kNotebook) return {choice[0], choice[1]};
  const double load = static_cast<double>(env.info().load);
  const double want = load * factors[static_cast<std::size_t>(choice[0])] + reserves[static_cast<std::size_t>(choice[1])];
  return steer_to(env, static_cast<int>(std::ceil(want / env.params().tpm_per_machine)));
}

nlohmann::json to_json(const ActionSpace& a) {
  nlohmann::json j = {{"kind", a.name()}};
  if (a.kind == ActionKind::kTarget) {
    j["factors"] = a.factors;
    j["reserves"] = a.reserves;
  }
  return j;
}

ActionSpace action_space_from_json(const nlohmann::json& j) {
  const std::string kind = j.at("kind").get<std::string>();
  if (kind == "seed") return ActionSpace::notebook();
  if (kind != "target") throw Error("unknown action kind '" + kind + "' (known: seed, target)");
  ActionSpace a;
  a.kind = ActionKind::kTarget;
  a.factors = j.at("factors").get<std::vector<double>>();
  a.reserves = j.at("reserves").get<std::vector<double>>();
  if (a.factors.empty() || a.reserves.empty()) throw Error("target action needs non-empty factor and reserve grids");
  return a;
}

}  // namespace autoscale::rl
