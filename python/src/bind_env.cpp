// One environment with Gymnasium's step/reset contract (python/autoscale/envs.py adds the spaces
// and seeding): observations are fresh float32 arrays, actions one category index per head.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstring>

#include "bindings.hpp"
#include "core/error.hpp"

namespace autoscale::py {
namespace {

class CoreEnv {
 public:
  explicit CoreEnv(EnvConfig c)
      : config_(std::move(c)), env_(config_.make_env()), base_(config_.action, config_.scenario.service) {}

  pyb::tuple reset(std::uint64_t seed) {
    const auto obs = env_.reset(seed);
    base_.reset(env_);
    started_ = true;
    ended_ = false;
    return pyb::make_tuple(copy(obs), info_dict(env_.info()));
  }

  pyb::tuple step(pyb::handle action) {
    if (!started_) throw Error("step() before reset(): reset the environment first");
    if (ended_) throw Error("step() after the episode ended (truncated): call reset() first");
    const auto a = integer_actions(action, "action");
    if (a.ndim() != 1 || a.shape(0) != static_cast<pyb::ssize_t>(config_.heads.size())) {
      throw Error(fmt::format("action must have shape ({},): one index per head ({}), got shape {}", config_.heads.size(),
                              fmt::join(config_.head_names(), ", "),
                              shape_of(a)));
    }
    config_.check(a.data());
    const StepResult r = env_.step(config_.decode(a.data(), env_, base_));
    ended_ = r.terminated || r.truncated;
    return pyb::make_tuple(copy(r.observation), config_.reward(r.info, r.reward), r.terminated, r.truncated, info_dict(r.info));
  }

  const Env& env() const { return env_; }
  const EnvConfig& config() const { return config_; }
  bool started() const { return started_; }

 private:
  static pyb::array_t<float> copy(std::span<const float> v) {
    pyb::array_t<float> out(static_cast<pyb::ssize_t>(v.size()));
    std::memcpy(out.mutable_data(), v.data(), v.size() * sizeof(float));
    return out;
  }

  EnvConfig config_;
  Env env_;
  rl::BaseController base_;
  bool started_ = false, ended_ = false;
};

}  // namespace

const Env& core_env(pyb::handle h) { return h.cast<const CoreEnv&>().env(); }
const EnvConfig& core_env_config(pyb::handle h) { return h.cast<const CoreEnv&>().config(); }

void bind_env(pyb::module_& m) {
  pyb::class_<CoreEnv>(m, "CoreEnv", "One simulated service (use autoscale.Env, which adds spaces and seeding).")
      .def(pyb::init([](pyb::handle scenario, const std::string& observation, const std::string& action,
                        const std::string& reward, std::optional<std::int64_t> minutes) {
             return CoreEnv(make_env_config(scenario, observation, action, reward, minutes));
           }),
           pyb::arg("scenario"), pyb::arg("observation") = "seed", pyb::arg("action") = "seed",
           pyb::arg("reward") = "realized", pyb::arg("minutes") = pyb::none())
      .def("reset", &CoreEnv::reset, pyb::arg("seed"))
      .def("step", &CoreEnv::step, pyb::arg("action"))
      .def_property_readonly("obs_dim", [](const CoreEnv& e) { return e.env().obs_dim(); })
      .def_property_readonly("head_sizes", [](const CoreEnv& e) { return e.config().heads; })
      .def_property_readonly("head_names", [](const CoreEnv& e) { return e.config().head_names(); })
      .def_property_readonly("episode_minutes", [](const CoreEnv& e) { return e.env().episode_steps(); })
      .def_property_readonly("episode_seed", [](const CoreEnv& e) { return e.env().seed(); })
      .def_property_readonly("scenario", [](const CoreEnv& e) { return e.config().scenario; })
      .def_property_readonly("info", [](const CoreEnv& e) { return info_dict(e.env().info()); })
      .def_property_readonly("started", &CoreEnv::started);
}

}  // namespace autoscale::py
