// Trained models (docs/model-format.md): load, inspect, predict, and build from weights trained
// elsewhere (examples/torch_ppo.py exports its PyTorch networks this way), then save as a file
// any `ppo:PATH` spec, the CLI included, can use.
#include <fmt/format.h>

#include <pybind11/stl/filesystem.h>

#include <filesystem>

#include "bindings.hpp"
#include "core/error.hpp"
#include "rl/agent.hpp"
#include "rl/categorical.hpp"

namespace autoscale::py {
namespace {

using Eigen::Index;
using Eigen::MatrixXf;
using Layers = std::vector<std::pair<pyb::array_t<float>, pyb::array_t<float>>>;

class CoreModel {
 public:
  explicit CoreModel(rl::Agent a) : agent_(std::move(a)), dist_(agent_.head_sizes) {}

  const rl::Agent& agent() const { return agent_; }
  rl::Agent& agent() { return agent_; }

  // The network's deterministic choice (each head's most likely index) for one observation (dim,)
  // or a batch (n, dim): the action of an Env with this model's observation and action variants.
  pyb::array_t<std::int64_t> predict(const pyb::handle& obs) const {
    bool single = false;
    const MatrixXf logits = forward(agent_.actor, obs, single);
    Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> choice(static_cast<Index>(agent_.head_sizes.size()), logits.cols());
    dist_.mode(logits, choice);
    const auto heads = static_cast<pyb::ssize_t>(choice.rows()), n = static_cast<pyb::ssize_t>(choice.cols());
    pyb::array_t<std::int64_t> out = single ? pyb::array_t<std::int64_t>(heads) : pyb::array_t<std::int64_t>({n, heads});
    std::int64_t* o = out.mutable_data();
    for (Index b = 0; b < choice.cols(); ++b) {
      for (Index h = 0; h < choice.rows(); ++h) *o++ = choice(h, b);
    }
    return out;
  }

  // Raw outputs of the actor (the heads' logits, stacked) or the critic (the value).
  pyb::array_t<float> outputs(const rl::Mlp<float>& net, const pyb::handle& obs) const {
    bool single = false;
    const MatrixXf y = forward(net, obs, single);
    if (single) return pyb::array_t<float>(static_cast<pyb::ssize_t>(y.rows()), y.data());
    // Column-major (outputs x n) is row-major (n x outputs).
    return pyb::array_t<float>({static_cast<pyb::ssize_t>(y.cols()), static_cast<pyb::ssize_t>(y.rows())}, y.data());
  }

 private:
  MatrixXf forward(const rl::Mlp<float>& net, const pyb::handle& obs, bool& single) const {
    const auto x = pyb::array_t<float, pyb::array::c_style | pyb::array::forcecast>::ensure(obs);
    if (!x) throw pyb::type_error("observations must be a numeric array");
    const auto dim = static_cast<pyb::ssize_t>(agent_.obs_dim);
    single = x.ndim() == 1;
    if (!((x.ndim() == 1 && x.shape(0) == dim) || (x.ndim() == 2 && x.shape(1) == dim))) {
      throw Error(fmt::format("this model takes observations of shape ({},) or (n, {}) ('{}' features), got {}", dim, dim,
                              to_string(agent_.features), shape_of(x)));
    }
    const Index n = x.ndim() == 1 ? 1 : x.shape(0);
    // A row-major (n, dim) batch is the column-major (dim x n) matrix the networks take.
    MatrixXf normalized(dim, n), y;
    agent_.normalize(Eigen::Map<const MatrixXf>(x.data(), dim, n), normalized);
    net.infer(normalized, y);
    return y;
  }

  rl::Agent agent_;
  rl::MultiCategorical<float> dist_;
};

rl::Mlp<float>& net(rl::Agent& a, const std::string& which) {
  if (which == "actor") return a.actor;
  if (which == "critic") return a.critic;
  throw Error(fmt::format("unknown network '{}' (known: actor, critic)", which));
}

// Weights as PyTorch's nn.Linear holds them: W of shape (out, in), b of shape (out,).
Layers get_layers(rl::Mlp<float>& m) {
  Layers out;
  for (int l = 0; l < m.num_layers(); ++l) {
    const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> w = m.weight(l);
    out.emplace_back(pyb::array_t<float>({static_cast<pyb::ssize_t>(w.rows()), static_cast<pyb::ssize_t>(w.cols())}, w.data()),
                     pyb::array_t<float>(static_cast<pyb::ssize_t>(m.bias(l).size()), m.bias(l).data()));
  }
  return out;
}

void set_layers(rl::Mlp<float>& m, const std::string& which, const pyb::sequence& layers) {
  if (static_cast<int>(pyb::len(layers)) != m.num_layers()) {
    throw Error(fmt::format("{} has {} layers, got {} (weight, bias) pairs", which, m.num_layers(), pyb::len(layers)));
  }
  // Checked whole before anything is written: a bad layer leaves the model as it was.
  std::vector<std::pair<pyb::array_t<float>, pyb::array_t<float>>> arrays;
  for (int l = 0; l < m.num_layers(); ++l) {
    const pyb::sequence pair = layers[static_cast<std::size_t>(l)].cast<pyb::sequence>();
    if (pyb::len(pair) != 2) throw Error(fmt::format("{} layer {}: expected a (weight, bias) pair", which, l));
    auto w = pyb::array_t<float, pyb::array::c_style | pyb::array::forcecast>::ensure(pair[0]);
    auto b = pyb::array_t<float, pyb::array::c_style | pyb::array::forcecast>::ensure(pair[1]);
    const auto rows = m.sizes()[static_cast<std::size_t>(l) + 1], cols = m.sizes()[static_cast<std::size_t>(l)];
    if (!w || w.ndim() != 2 || w.shape(0) != rows || w.shape(1) != cols) {
      throw Error(fmt::format("{} layer {}: weight must have shape ({}, {})", which, l, rows, cols));
    }
    if (!b || b.ndim() != 1 || b.shape(0) != rows) throw Error(fmt::format("{} layer {}: bias must have shape ({},)", which, l, rows));
    arrays.emplace_back(w, b);
  }
  for (int l = 0; l < m.num_layers(); ++l) {
    const auto& [w, b] = arrays[static_cast<std::size_t>(l)];
    m.weight(l) = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(w.data(), w.shape(0), w.shape(1));
    m.bias(l) = Eigen::Map<const Eigen::VectorXf>(b.data(), b.shape(0));
  }
}

Eigen::VectorXd stats_vector(const pyb::handle& v, int dim, const char* what) {
  const auto a = pyb::array_t<double, pyb::array::c_style | pyb::array::forcecast>::ensure(v);
  if (!a || a.ndim() != 1 || a.shape(0) != dim) throw Error(fmt::format("{} must have shape ({},)", what, dim));
  return Eigen::Map<const Eigen::VectorXd>(a.data(), dim);
}

}  // namespace

void bind_model(pyb::module_& m) {
  pyb::class_<CoreModel>(m, "Model",
                         "A trained policy: actor and critic networks, the observation statistics they were trained "
                         "with, the observation and action variants. load_model(path) reads one; Model.new() makes one "
                         "to fill with weights.")
      .def_static(
          "new",
          [](pyb::handle scenario_arg, const std::string& observation, const std::string& action, std::vector<int> hidden,
             bool normalize_obs, std::uint64_t seed) {
            const Scenario scenario = to_scenario(scenario_arg);
            for (int h : hidden) {
              if (h < 1) throw Error(fmt::format("hidden layer sizes must be positive, got {}", h));
            }
            const FeatureSet f = parse_feature_set(observation);
            const rl::ActionSpace a = rl::action_space_named(action);
            const int dim = Features(scenario.service, f).dim();
            rl::Agent agent(f, a, dim, a.head_sizes(scenario.service), std::move(hidden), normalize_obs, seed);
            agent.info = {{"scenario", scenario.name}, {"source", "python"}};
            return CoreModel(std::move(agent));
          },
          pyb::arg("scenario") = "seed", pyb::arg("observation") = "extended", pyb::arg("action") = "target",
          pyb::arg("hidden") = std::vector<int>{64, 64}, pyb::arg("normalize_obs") = true, pyb::arg("seed") = 0,
          "A model with CleanRL's orthogonal initialisation (seeded) and identity observation statistics.")
      .def("predict", &CoreModel::predict, pyb::arg("obs"),
           "Deterministic actions (each head's most likely index) for obs of shape (dim,) or (n, dim).")
      .def("logits", [](const CoreModel& c, pyb::handle obs) { return c.outputs(c.agent().actor, obs); }, pyb::arg("obs"))
      .def("value", [](const CoreModel& c, pyb::handle obs) { return c.outputs(c.agent().critic, obs); }, pyb::arg("obs"))
      .def("layers", [](CoreModel& c, const std::string& which) { return get_layers(net(c.agent(), which)); },
           pyb::arg("which") = "actor", "copies of (weight (out, in), bias (out,)) per layer, as nn.Linear holds them")
      .def("set_layers", [](CoreModel& c, const pyb::sequence& layers, const std::string& which) {
             set_layers(net(c.agent(), which), which, layers);
           }, pyb::arg("layers"), pyb::arg("which") = "actor")
      .def_property("obs_mean", [](const CoreModel& c) {
             const auto& v = c.agent().obs_stats.mean();
             return pyb::array_t<double>(v.size(), v.data());
           }, [](CoreModel& c, pyb::handle v) {
             auto& s = c.agent().obs_stats;
             s.set(stats_vector(v, c.agent().obs_dim, "obs_mean"), s.var(), s.count());
           })
      .def_property("obs_var", [](const CoreModel& c) {
             const auto& v = c.agent().obs_stats.var();
             return pyb::array_t<double>(v.size(), v.data());
           }, [](CoreModel& c, pyb::handle v) {
             auto& s = c.agent().obs_stats;
             const Eigen::VectorXd var = stats_vector(v, c.agent().obs_dim, "obs_var");
             if ((var.array() < 0).any() || !var.allFinite()) throw Error("obs_var must be finite and non-negative");
             s.set(s.mean(), var, s.count());
           })
      .def_property("guardrail", [](const CoreModel& c) { return to_python(rl::to_json(c.agent().guardrail)); },
                    [](CoreModel& c, pyb::handle v) { c.agent().guardrail = rl::guardrail_from_json(from_python(v)); },
                    "the fleet floor and out-of-distribution fallback a ppo: policy applies around the network "
                    "(predict() is the network alone); saved with the model")
      .def_property("info", [](const CoreModel& c) { return to_python(c.agent().info); },
                    [](CoreModel& c, pyb::handle v) { c.agent().info = from_python(v); },
                    "provenance (scenario, steps, validation profit, ...), saved with the model")
      .def_property_readonly("observation", [](const CoreModel& c) { return to_string(c.agent().features); })
      .def_property_readonly("action", [](const CoreModel& c) { return c.agent().action.name(); })
      .def_property_readonly("obs_dim", [](const CoreModel& c) { return c.agent().obs_dim; })
      .def_property_readonly("head_sizes", [](const CoreModel& c) { return c.agent().head_sizes; })
      .def_property_readonly("hidden", [](const CoreModel& c) { return c.agent().hidden; })
      .def_property_readonly("normalize_obs", [](const CoreModel& c) { return c.agent().normalize_obs; })
      .def("save", [](const CoreModel& c, const std::filesystem::path& path) { rl::save_model(c.agent(), path); },
           pyb::arg("path"), "writes the model file atomically (a `ppo:PATH` spec then uses it)")
      .def("__repr__", [](const CoreModel& c) {
        return fmt::format("autoscale.Model(observation='{}', action='{}', obs_dim={}, hidden={})", to_string(c.agent().features),
                           c.agent().action.name(), c.agent().obs_dim, pyb::str(pyb::cast(c.agent().hidden)).cast<std::string>());
      });
  m.def("load_model", [](const std::filesystem::path& path) { return CoreModel(rl::load_model(path)); }, pyb::arg("path"),
        "Reads a model file (checked: format, version, checksum, shapes).");
}

}  // namespace autoscale::py
