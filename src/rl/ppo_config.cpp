#include "rl/ppo_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <toml++/toml.h>

#include "core/error.hpp"

namespace autoscale::rl {

std::string to_string(Algorithm a) { return a == Algorithm::kPpo ? "ppo" : "a2c"; }
std::string to_string(Optimizer o) { return o == Optimizer::kAdam ? "adam" : "rmsprop"; }
std::string to_string(TrainingReward r) { return r == TrainingReward::kExpected ? "expected" : "realized"; }

PpoConfig preset_config(const std::string& name) {
  PpoConfig c;
  c.preset = name;
  if (name == "default") return c;
  if (name == "seed") {
    // The seed's Coach preset: Clipped PPO, 64-64 tanh, Adam 3e-4, GAE 0.95, discount 0.9 (the
    // notebook's override), 10 epochs, clip 0.2, its 25-float observation and (add, remove) action.
    c.num_envs = 8;
    c.rollout_steps = 256;
    c.epochs = 10;
    c.minibatches = 32;
    c.gamma = 0.9;
    c.ent_coef = 0.01;
    c.anneal_lr = false;
    c.normalize_obs = false;
    c.normalize_reward = false;
    c.features = FeatureSet::kNotebook;
    c.action = ActionSpace::notebook();
    c.reward = TrainingReward::kRealized;
    return c;
  }
  if (name == "a2c") {
    // Stable-Baselines3's A2C: RMSprop at 7e-4, no GAE smoothing (lambda 1), raw advantages.
    c.algorithm = Algorithm::kA2c;
    c.optimizer = Optimizer::kRmsProp;
    c.rollout_steps = 16;
    c.epochs = 1;
    c.minibatches = 1;
    c.learning_rate = 7e-4;
    c.gae_lambda = 1.0;
    c.normalize_advantages = false;
    return c;
  }
  throw Error(fmt::format("unknown training preset '{}' (known: default, seed, a2c)", name));
}

namespace {

std::string at(const std::string& source, const toml::node& n) {
  return n.source().begin.line ? fmt::format("{}:{}", source, n.source().begin.line) : source;
}

}  // namespace

PpoConfig parse_ppo_config(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw Error(fmt::format("{}:{}: {}", source, e.source().begin.line, e.description()));
  }
  for (const auto& [k, v] : root) {
    if (k.str() != "ppo") throw Error(fmt::format("{}: unknown table or key '{}' (known: [ppo])", at(source, v), k.str()));
  }
  const toml::table* t = root["ppo"].as_table();
  if (!t) return preset_config("default");
  PpoConfig c = preset_config((*t)["preset"].value_or(std::string("default")));
  const auto num = [&](const char* key, auto& out, double lo, double hi) {
    const toml::node* n = t->get(key);
    if (!n) return;
    using T = std::decay_t<decltype(out)>;
    double v;
    if (auto i = n->value_exact<std::int64_t>()) v = static_cast<double>(*i);
    else if (auto d = n->value_exact<double>(); d && std::is_floating_point_v<T>) v = *d;
    else throw Error(fmt::format("{}: [ppo].{} must be {}", at(source, *n), key, std::is_floating_point_v<T> ? "a number" : "an integer"));
    if (!(v >= lo && v <= hi)) throw Error(fmt::format("{}: [ppo].{} = {} is out of range [{}, {}]", at(source, *n), key, v, lo, hi));
    out = static_cast<T>(v);
  };
  const auto flag = [&](const char* key, bool& out) {
    if (const toml::node* n = t->get(key)) {
      auto b = n->value_exact<bool>();
      if (!b) throw Error(fmt::format("{}: [ppo].{} must be true or false", at(source, *n), key));
      out = *b;
    }
  };
  static const std::vector<std::string> known = {
      "preset", "algorithm", "num_envs", "rollout_steps", "epochs", "minibatches", "optimizer", "learning_rate", "anneal_lr",
      "gamma", "gae_lambda", "clip", "vf_coef", "ent_coef", "max_grad_norm", "normalize_advantages",
      "normalize_obs", "normalize_reward", "hidden", "features", "action", "reward", "validation_episodes",
      "validation_seed", "validation_every_steps", "checkpoint_every_steps"};
  for (const auto& [k, v] : *t) {
    if (std::find(known.begin(), known.end(), std::string(k.str())) == known.end()) {
      throw Error(fmt::format("{}: [ppo] has unknown key '{}' (known: {})", at(source, v), k.str(), fmt::join(known, ", ")));
    }
  }
  // A string key that selects behaviour: one of `names`, else an error listing them.
  const auto choice = [&](const char* key, std::initializer_list<const char*> names) -> std::optional<std::string> {
    const toml::node* n = t->get(key);
    if (!n) return std::nullopt;
    const auto s = n->value_exact<std::string>();
    for (const char* name : names)
      if (s && *s == name) return *s;
    throw Error(fmt::format("{}: [ppo].{} must be one of \"{}\"", at(source, *n), key, fmt::join(names, "\", \"")));
  };
  if (const auto s = choice("algorithm", {"ppo", "a2c"})) c.algorithm = *s == "ppo" ? Algorithm::kPpo : Algorithm::kA2c;
  if (const auto s = choice("optimizer", {"adam", "rmsprop"})) c.optimizer = *s == "adam" ? Optimizer::kAdam : Optimizer::kRmsProp;
  num("num_envs", c.num_envs, 1, 4096);
  num("rollout_steps", c.rollout_steps, 1, 100000);
  num("epochs", c.epochs, 1, 100);
  num("minibatches", c.minibatches, 1, 4096);
  num("learning_rate", c.learning_rate, 0, 1);
  flag("anneal_lr", c.anneal_lr);
  num("gamma", c.gamma, 0, 1);
  num("gae_lambda", c.gae_lambda, 0, 1);
  num("clip", c.clip, 0, 1e9);
  num("vf_coef", c.vf_coef, 0, 1e3);
  num("ent_coef", c.ent_coef, 0, 10);
  num("max_grad_norm", c.max_grad_norm, 0, 1e9);
  flag("normalize_advantages", c.normalize_advantages);
  flag("normalize_obs", c.normalize_obs);
  flag("normalize_reward", c.normalize_reward);
  if (const toml::node* n = t->get("hidden")) {
    const toml::array* arr = n->as_array();
    if (!arr || arr->empty()) throw Error(fmt::format("{}: [ppo].hidden must be a list of layer widths, e.g. [64, 64]", at(source, *n)));
    c.hidden.clear();
    for (const auto& e : *arr) {
      auto w = e.value_exact<std::int64_t>();
      if (!w || *w < 1 || *w > 4096) throw Error(fmt::format("{}: [ppo].hidden widths must be integers in [1, 4096]", at(source, *n)));
      c.hidden.push_back(static_cast<int>(*w));
    }
  }
  if (const auto s = choice("features", {"seed", "extended"})) c.features = parse_feature_set(*s);
  if (const auto s = choice("action", {"seed", "target"})) c.action = *s == "seed" ? ActionSpace::notebook() : ActionSpace::target_default();
  if (const auto s = choice("reward", {"expected", "realized"})) c.reward = *s == "expected" ? TrainingReward::kExpected : TrainingReward::kRealized;
  num("validation_episodes", c.validation_episodes, 0, 10000);
  num("validation_seed", c.validation_seed, 0, 9e15);
  num("validation_every_steps", c.validation_every_steps, 1, 1e12);
  num("checkpoint_every_steps", c.checkpoint_every_steps, 1, 1e12);
  check_ppo_config(c, source);
  return c;
}

void check_ppo_config(const PpoConfig& c, const std::string& source) {
  if (c.batch_size() % c.minibatches != 0) {
    throw Error(fmt::format("{}: [ppo] num_envs * rollout_steps = {} must be divisible by minibatches = {}", source,
                            c.batch_size(), c.minibatches));
  }
  if (c.algorithm == Algorithm::kA2c && (c.epochs != 1 || c.minibatches != 1)) {
    throw Error(fmt::format("{}: [ppo] algorithm = \"a2c\" takes one epoch over one minibatch (its update is the plain "
                            "policy gradient), but epochs = {} and minibatches = {}: use algorithm = \"ppo\" or set both to 1",
                            source, c.epochs, c.minibatches));
  }
}

PpoConfig load_ppo_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot read training config {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_ppo_config(ss.str(), path.string());
}

std::string to_toml(const PpoConfig& c) {
  const auto b = [](bool v) { return v ? "true" : "false"; };
  return fmt::format(
      "# the effective training configuration of this run\n[ppo]\npreset = \"{}\"\nalgorithm = \"{}\"\nnum_envs = {}\n"
      "rollout_steps = {}\nepochs = {}\nminibatches = {}\noptimizer = \"{}\"\nlearning_rate = {}\nanneal_lr = {}\ngamma = {}\n"
      "gae_lambda = {}\nclip = {}\nvf_coef = {}\nent_coef = {}\nmax_grad_norm = {}\nnormalize_advantages = {}\n"
      "normalize_obs = {}\nnormalize_reward = {}\nhidden = [{}]\nfeatures = \"{}\"\naction = \"{}\"\nreward = \"{}\"\n"
      "validation_episodes = {}\nvalidation_seed = {}\nvalidation_every_steps = {}\ncheckpoint_every_steps = {}\n",
      c.preset, to_string(c.algorithm), c.num_envs, c.rollout_steps, c.epochs, c.minibatches, to_string(c.optimizer),
      c.learning_rate, b(c.anneal_lr),
      c.gamma, c.gae_lambda, c.clip, c.vf_coef, c.ent_coef, c.max_grad_norm, b(c.normalize_advantages),
      b(c.normalize_obs), b(c.normalize_reward), fmt::join(c.hidden, ", "), to_string(c.features), c.action.name(), to_string(c.reward),
      c.validation_episodes, c.validation_seed, c.validation_every_steps, c.checkpoint_every_steps);
}

}  // namespace autoscale::rl
