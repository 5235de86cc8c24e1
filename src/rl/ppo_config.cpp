#include "rl/ppo_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>

#include "config/toml_table.hpp"
#include "core/error.hpp"
#include "policies/spec.hpp"

namespace autoscale::rl {

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
  if (name == "trace") {
    // What `run` trains on a trace's past: scale-free features with the wall clock, and a residual
    // on a tuned classical controller (run sets base_policy to the best one it tuned).
    c.features = FeatureSet::kScaled;
    c.action = ActionSpace::residual_default();
    // The residual may trim its controller's fleet by 5 %, not 10 %: on the rolling folds of both
    // shipped traces 0.95 kept the learned policy's gains over the best classical policy and its
    // worst days shallower (0.9: World Cup's pooled interval crossed zero; 1.0: it closed under a
    // fifth of the gap to oracle-window). docs/experiments.md, "Real traffic on rolling folds".
    c.guardrail.base_floor = 0.95;
    return c;
  }
  if (name == "general") {
    // One model for services it has not seen (trained on a mix): the same scale-free features, and
    // the relative action, with no classical controller inside: a controller tuned on a mix can be
    // the wrong one on the next service (docs/experiments.md, "A general model on traffic it never saw").
    c.features = FeatureSet::kScaled;
    c.action = ActionSpace::relative_default();
    return c;
  }
  throw Error(fmt::format("unknown training preset '{}' (known: {})", name, fmt::join(preset_names(), ", ")));
}

std::vector<std::string> preset_names() { return {"default", "seed", "a2c", "trace", "general"}; }

namespace {

void read_guardrail(TomlTable& r, Guardrail& g) {
  r.boolean("floor", g.floor);
  r.number("floor_utilization", g.floor_utilization, 0, 10, true);
  r.number("floor_minutes", g.floor_minutes, 1, Features::kRecentMinutes);
  r.number("base_floor", g.base_floor, 0, 10);
  r.boolean("fallback", g.fallback);
  r.number("ood_margin", g.ood_margin, 0, 1e6);
  r.number("fallback_utilization", g.fallback_utilization, 0, 10, true);
  r.number("fallback_minutes", g.fallback_minutes, 1, Features::kRecentMinutes);
  r.finish();
}

}  // namespace

PpoConfig parse_ppo_config(const std::string& text, const std::string& source) {
  const toml::table root = parse_toml(text, source);
  for (const auto& [k, v] : root) {
    if (k.str() != "ppo" && k.str() != "guardrail") {
      throw Error(fmt::format("{}: unknown table or key '{}' (known: [ppo], [guardrail])", toml_where(source, v), k.str()));
    }
  }
  PpoConfig c = preset_config("default");
  if (const toml::table* t = root["ppo"].as_table()) {
    TomlTable r(*t, source, "ppo");
    std::string preset = "default";
    r.string("preset", preset);
    c = preset_config(preset);
    if (const auto a = r.choice("algorithm", kAlgorithmNames)) c.algorithm = *a;
    if (const auto o = r.choice("optimizer", kOptimizerNames)) c.optimizer = *o;
    r.number("num_envs", c.num_envs, 1, 4096);
    r.number("rollout_steps", c.rollout_steps, 1, 100000);
    r.number("epochs", c.epochs, 1, 100);
    r.number("minibatches", c.minibatches, 1, 4096);
    r.number("learning_rate", c.learning_rate, 0, 1);
    r.boolean("anneal_lr", c.anneal_lr);
    r.number("gamma", c.gamma, 0, 1);
    r.number("gae_lambda", c.gae_lambda, 0, 1);
    r.number("clip", c.clip, 0, 1e9);
    r.number("vf_coef", c.vf_coef, 0, 1e3);
    r.number("ent_coef", c.ent_coef, 0, 10);
    r.number("max_grad_norm", c.max_grad_norm, 0, 1e9);
    r.boolean("normalize_advantages", c.normalize_advantages);
    r.boolean("normalize_obs", c.normalize_obs);
    r.boolean("normalize_reward", c.normalize_reward);
    if (const toml::node* n = r.raw("hidden")) {
      const toml::array* arr = n->as_array();
      if (!arr || arr->empty()) r.fail(*n, "hidden", "must be a list of layer widths, e.g. [64, 64]");
      c.hidden.clear();
      for (const auto& e : *arr) {
        auto w = e.value_exact<std::int64_t>();
        if (!w || *w < 1 || *w > 4096) r.fail(*n, "hidden", "widths must be integers in [1, 4096]");
        c.hidden.push_back(static_cast<int>(*w));
      }
    }
    if (const auto f = r.choice("features", kFeatureSetNames)) c.features = *f;
    if (const auto s = r.choice("action", action_space_names())) {
      c.action = action_space_named(*s);
    }
    if (r.string("base_policy", c.action.base_policy)) c.action.base_policy = expand_spec(c.action.base_policy);
    if (const auto w = r.choice("reward", kTrainingRewardNames)) c.reward = *w;
    r.number("validation_episodes", c.validation_episodes, 0, 10000);
    r.number("validation_seed", c.validation_seed, 0, 9e15);
    r.number("validation_every_steps", c.validation_every_steps, 1, 1e12);
    r.number("checkpoint_every_steps", c.checkpoint_every_steps, 1, 1e12);
    r.finish();
  }
  if (const toml::table* t = root["guardrail"].as_table()) {
    TomlTable r(*t, source, "guardrail");
    read_guardrail(r, c.guardrail);
  }
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
      "normalize_obs = {}\nnormalize_reward = {}\nhidden = [{}]\nfeatures = \"{}\"\naction = \"{}\"\nbase_policy = \"{}\"\n"
      "reward = \"{}\"\n"
      "validation_episodes = {}\nvalidation_seed = {}\nvalidation_every_steps = {}\ncheckpoint_every_steps = {}\n",
      c.preset, to_string(c.algorithm), c.num_envs, c.rollout_steps, c.epochs, c.minibatches, to_string(c.optimizer),
      c.learning_rate, b(c.anneal_lr),
      c.gamma, c.gae_lambda, c.clip, c.vf_coef, c.ent_coef, c.max_grad_norm, b(c.normalize_advantages),
      b(c.normalize_obs), b(c.normalize_reward), fmt::join(c.hidden, ", "), to_string(c.features), c.action.name(), c.action.base_policy, to_string(c.reward),
      c.validation_episodes, c.validation_seed, c.validation_every_steps, c.checkpoint_every_steps) +
         fmt::format("\n[guardrail]\nfloor = {}\nfloor_utilization = {}\nfloor_minutes = {}\nbase_floor = {}\nfallback = {}\n"
                     "ood_margin = {}\nfallback_utilization = {}\nfallback_minutes = {}\n",
                     b(c.guardrail.floor), c.guardrail.floor_utilization, c.guardrail.floor_minutes, c.guardrail.base_floor,
                     b(c.guardrail.fallback),
                     c.guardrail.ood_margin, c.guardrail.fallback_utilization, c.guardrail.fallback_minutes);
}

}  // namespace autoscale::rl
