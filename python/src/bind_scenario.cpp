// Scenarios, the environment configuration shared by Env and VecEnv, and conversions.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "bindings.hpp"
#include "core/error.hpp"
#include "rl/decision.hpp"
#include "rl/ppo_config.hpp"
#include "service/outcome.hpp"

namespace autoscale::py {

Scenario to_scenario(pyb::handle h) {
  if (pyb::isinstance<Scenario>(h)) return h.cast<Scenario>();
  const pyb::object fspath = pyb::module_::import("os").attr("fspath");
  if (pyb::isinstance<pyb::str>(h) || pyb::hasattr(h, "__fspath__")) {
    return resolve_scenario(fspath(h).cast<std::string>());
  }
  throw pyb::type_error(fmt::format("scenario must be a name ('seed', 'seed-weekly'), a path to a TOML file or an "
                                    "autoscale.Scenario, not {}",
                                    pyb::str(pyb::type::handle_of(h).attr("__name__")).cast<std::string>()));
}

pyb::object to_python(const nlohmann::json& j) { return pyb::module_::import("json").attr("loads")(j.dump()); }

nlohmann::json from_python(pyb::handle h) {
  return nlohmann::json::parse(pyb::module_::import("json").attr("dumps")(h).cast<std::string>());
}

EnvConfig make_env_config(pyb::handle scenario, const std::string& observation, const std::string& action,
                          const std::string& reward, std::optional<std::int64_t> minutes) {
  EnvConfig c;
  c.scenario = to_scenario(scenario);
  if (minutes) c.scenario.set_episode_minutes(*minutes);
  c.features = parse_feature_set(observation);
  c.action = rl::action_space_named(action);
  c.expected_reward = rl::kTrainingRewardNames.parse(reward) == rl::TrainingReward::kExpected;
  c.heads = c.action.head_sizes(c.scenario.service);
  if (c.heads.size() > EnvConfig::kMaxHeads) throw Error(fmt::format("action '{}' has more heads than the bindings handle", action));
  return c;
}

std::vector<std::string> EnvConfig::head_names() const {
  switch (action.kind) {
    case rl::ActionKind::kNotebook: return {"add", "remove"};
    case rl::ActionKind::kTarget: return {"factor", "reserve"};
    case rl::ActionKind::kRelative: return {"factor", "reserve", "window"};
    case rl::ActionKind::kResidual: return {"multiplier", "reserve"};
  }
  return std::vector<std::string>(heads.size(), "?");
}

void EnvConfig::check(const std::int64_t* choice, std::int64_t row) const {
  for (std::size_t h = 0; h < heads.size(); ++h) {
    if (choice[h] < 0 || choice[h] >= heads[h]) {
      throw Error(fmt::format("action{}[{}] ({}) = {} is outside 0..{}", row >= 0 ? fmt::format("[{}]", row) : "", h,
                              head_names()[h], choice[h], heads[h] - 1));
    }
  }
}

Action EnvConfig::decode(const std::int64_t* choice, const Env& env, rl::BaseController& base) const {
  std::array<int, kMaxHeads> idx{};
  std::copy(choice, choice + heads.size(), idx.begin());
  base.observe(env);
  return rl::decide(action, guardrail, rl::Stage::kTraining, idx.data(), env, env.features(), base).action;
}

double EnvConfig::reward(const StepInfo& minute, double realized) const {
  return expected_reward ? expected_minute_reward(scenario.service, minute.load, minute.active, minute.warming) : realized;
}

pyb::dict info_dict(const StepInfo& i) {
  pyb::dict d;
  d["minute"] = i.minute;
  d["load"] = i.load;
  d["capacity"] = i.capacity;
  d["failed"] = i.failed;
  d["active"] = i.active;
  d["warming"] = i.warming;
  d["down"] = i.down;
  d["add"] = i.add;
  d["remove"] = i.remove;
  d["profit"] = i.reward;
  if (i.clock != kNoClock) d["clock"] = i.clock;
  return d;
}

std::string shape_of(const pyb::array& a) {
  std::string s = "(";
  for (pyb::ssize_t d = 0; d < a.ndim(); ++d) s += fmt::format("{}{}", d ? ", " : "", a.shape(d));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

pyb::array_t<std::int64_t> integer_actions(pyb::handle actions, const char* what) {
  const pyb::array a = pyb::array::ensure(actions);
  if (!a) throw pyb::type_error(fmt::format("{} must be an array of integers", what));
  const char kind = a.dtype().kind();
  if (kind != 'i' && kind != 'u') {
    throw pyb::type_error(fmt::format("{} must be integers (category indices), got dtype {}", what,
                                      pyb::str(a.dtype()).cast<std::string>()));
  }
  return pyb::array_t<std::int64_t, pyb::array::c_style | pyb::array::forcecast>::ensure(a);
}

void bind_scenario(pyb::module_& m) {
  pyb::class_<Scenario>(m, "Scenario", "A simulated service: its constants and its load (a built-in name or a TOML file).")
      .def(pyb::init([](pyb::handle name_or_path) { return to_scenario(name_or_path); }), pyb::arg("name_or_path"))
      .def_readonly("name", &Scenario::name)
      .def_property_readonly("episode_minutes", [](const Scenario& s) { return s.service.episode_steps(); })
      .def_property_readonly("service", [](const Scenario& s) {
        const ServiceParams& p = s.service;
        pyb::dict d;
        d["warmup_latency"] = p.warmup_latency;
        d["tpm_per_machine"] = p.tpm_per_machine;
        d["tpm_sigma"] = p.tpm_sigma;
        d["machine_cost"] = p.machine_cost;
        d["transaction_val"] = p.transaction_val;
        d["downtime_cost"] = p.downtime_cost;
        d["downtime_percent"] = p.downtime_percent;
        d["initial_machines"] = p.initial_machines;
        d["max_time_steps"] = p.max_time_steps;
        d["max_machine_delta"] = p.max_machine_delta;
        d["max_tpm"] = p.max_tpm;
        d["zero_load_is_down"] = p.zero_load_is_down;
        d["warmup_billed"] = p.warmup_billed;
        d["history_minutes"] = p.history_minutes;
        d["max_machines"] = p.max_machines();
        return d;
      }, "the service constants (the seed's names), and the fleet cap max_machines")
      .def("with_episode_minutes", [](Scenario s, std::int64_t minutes) {
        s.set_episode_minutes(minutes);
        return s;
      }, pyb::arg("minutes"), "a copy whose episodes last `minutes` minutes")
      .def("__repr__", [](const Scenario& s) { return fmt::format("autoscale.Scenario('{}')", s.name); });
  m.def("scenario_names", &builtin_scenario_names, "the built-in scenarios");
}

}  // namespace autoscale::py
