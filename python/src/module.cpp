// The compiled part of the `autoscale` Python package. autoscale/__init__.py re-exports it with
// the Gymnasium glue; see docs/python.md.
#include "bindings.hpp"
#include "core/error.hpp"
#include "core/seed_ranges.hpp"
#include "rl/action_space.hpp"
#include "rl/ppo_config.hpp"
#include "scenario/scenario.hpp"

PYBIND11_MODULE(_autoscale, m) {
  namespace py = autoscale::py;
  m.doc() = "autoscale's C++ core: scenarios, environments, the vectorised pool, policies, evaluation, models";
  // Every user-facing failure of the core (bad scenario, spec, model file, action) is an
  // autoscale.Error, a ValueError whose message names the problem.
  pybind11::register_exception<autoscale::Error>(m, "Error", PyExc_ValueError);
  py::bind_scenario(m);
  py::bind_env(m);
  py::bind_vec_env(m);
  py::bind_policies(m);
  py::bind_model(m);
  py::bind_pipeline(m);
  py::bind_hpa(m);
  // The allowed names of each choice, from the core's own name tables (docstrings refer here).
  pybind11::dict names;
  names["observations"] = autoscale::kFeatureSetNames.names();
  names["actions"] = autoscale::rl::action_space_names();
  names["rewards"] = autoscale::rl::kTrainingRewardNames.names();
  names["load_kinds"] = autoscale::kLoadKindNames.names();
  m.attr("names") = names;
  // The seed ranges' one home (core/seed_ranges.hpp), for trainers written in Python.
  auto seeds = m.def_submodule("seeds", "episode seed ranges: tuning, training, validation, evaluation, holdout");
  seeds.attr("TUNING") = autoscale::seeds::kTuning;
  seeds.attr("VALIDATION") = autoscale::seeds::kValidation;
  seeds.attr("EVALUATION") = autoscale::seeds::kEvaluation;
  seeds.attr("HOLDOUT") = autoscale::seeds::kHoldout;
  seeds.def("training_seed_base", &autoscale::seeds::training_seed_base, pybind11::arg("seed"),
            "first episode seed of a training run with this seed (env i's k-th episode: base + i + k * envs)");
}
