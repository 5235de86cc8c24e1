#include "rl/action_space.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string_view>
#include <utility>

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
  a.windows = {1, 3, 10, 30, 60};
  return a;
}

ActionSpace ActionSpace::residual_default() {
  ActionSpace a;
  a.kind = ActionKind::kResidual;
  for (int i = 0; i <= 16; ++i) a.factors.push_back(0.7 + 0.05 * i);  // 0.70 .. 1.50
  for (int i = 0; i <= 10; ++i) a.reserves.push_back(1.0 * i);       // 0 .. 10 times the volatility
  return a;
}

std::string ActionSpace::name() const {
  switch (kind) {
    case ActionKind::kNotebook: return "seed";
    case ActionKind::kTarget: return "target";
    case ActionKind::kRelative: return reserve_unit == ReserveUnit::kLevel ? "relative" : "relative-volatility";
    case ActionKind::kResidual: return "residual";
  }
  return "?";
}

namespace {

ActionSpace relative_volatility() {
  ActionSpace a = ActionSpace::relative_default();
  a.reserve_unit = ActionSpace::ReserveUnit::kVolatility;
  a.reserves.clear();
  for (int i = 0; i <= 20; ++i) a.reserves.push_back(1.0 * i);  // 0 .. 20 times the volatility
  return a;
}

// The action spaces by name: one table for parsing, the allowed-value lists and errors. Each
// space's name() gives its own name back (tested).
constexpr std::pair<std::string_view, ActionSpace (*)()> kActionSpaces[] = {
    {"seed", &ActionSpace::notebook},           {"target", &ActionSpace::target_default},
    {"relative", &ActionSpace::relative_default}, {"relative-volatility", &relative_volatility},
    {"residual", &ActionSpace::residual_default},
};

}  // namespace

std::vector<std::string> action_space_names() {
  std::vector<std::string> names;
  for (const auto& [n, make] : kActionSpaces) names.emplace_back(n);
  return names;
}

ActionSpace action_space_named(const std::string& name) {
  for (const auto& [n, make] : kActionSpaces)
    if (n == name) return make();
  throw Error(fmt::format("unknown action kind '{}' (known: {})", name, fmt::join(action_space_names(), ", ")));
}

std::vector<int> ActionSpace::head_sizes(const ServiceParams& p) const {
  if (kind == ActionKind::kNotebook) return {p.max_machine_delta + 1, p.max_machine_delta + 1};
  if (kind == ActionKind::kRelative) {
    return {static_cast<int>(factors.size()), static_cast<int>(reserves.size()), static_cast<int>(windows.size())};
  }
  return {static_cast<int>(factors.size()), static_cast<int>(reserves.size())};
}

Action ActionSpace::decode(const int* choice, const DecodeContext& c) const {
  const Env& env = c.env;
  const Features& features = c.features;
  if (kind == ActionKind::kNotebook) return {choice[0], choice[1]};
  const double f = factors[static_cast<std::size_t>(choice[0])], r = reserves[static_cast<std::size_t>(choice[1])];
  if (kind == ActionKind::kResidual) {
    const double machines = c.base_fleet * f + r * features.volatility() / env.params().tpm_per_machine;
    return steer_ready_first(env, std::min(static_cast<int>(std::ceil(machines - 1e-9)), env.params().max_machines()));
  }
  const double want = kind == ActionKind::kTarget
                          ? static_cast<double>(env.info().load) * f + r
                          : features.recent_max(windows[static_cast<std::size_t>(choice[2])]) * f +
                                r * (reserve_unit == ReserveUnit::kLevel ? features.reference_level() : features.volatility());
  const int machines = static_cast<int>(std::ceil(want / env.params().tpm_per_machine));
  return steer_to(env, std::min(machines, env.params().max_machines()));
}

nlohmann::json to_json(const ActionSpace& a) {
  nlohmann::json j = {{"kind", a.name()}};
  if (a.kind != ActionKind::kNotebook) {
    j["factors"] = a.factors;
    j["reserves"] = a.reserves;
  }
  if (a.kind == ActionKind::kResidual) j["base_policy"] = a.base_policy;
  if (a.kind == ActionKind::kRelative) {
    j["windows"] = a.windows;
    j["reserve_unit"] = a.reserve_unit == ActionSpace::ReserveUnit::kLevel ? "level" : "volatility";
  }
  return j;
}

ActionSpace action_space_from_json(const nlohmann::json& j) {
  ActionSpace a = action_space_named(j.at("kind").get<std::string>());
  if (a.kind == ActionKind::kNotebook) return a;
  a.factors = j.at("factors").get<std::vector<double>>();
  a.reserves = j.at("reserves").get<std::vector<double>>();
  if (a.factors.empty() || a.reserves.empty()) throw Error("target action needs non-empty factor and reserve grids");
  if (a.kind == ActionKind::kResidual) a.base_policy = j.at("base_policy").get<std::string>();
  if (a.kind == ActionKind::kRelative) {
    a.windows = j.at("windows").get<std::vector<int>>();
    const std::string unit = j.at("reserve_unit").get<std::string>();
    if (unit != "level" && unit != "volatility") throw Error("relative action reserve_unit must be level or volatility");
    a.reserve_unit = unit == "level" ? ActionSpace::ReserveUnit::kLevel : ActionSpace::ReserveUnit::kVolatility;
    for (int w : a.windows) {
      if (w < 1 || w > Features::kRecentMinutes) throw Error("relative action windows must be in [1, 64] minutes");
    }
    if (a.windows.empty()) throw Error("relative action needs a non-empty window grid");
  }
  return a;
}

}  // namespace autoscale::rl
