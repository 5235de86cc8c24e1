#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/error.hpp"
#include "rl/optimizer.hpp"
#include "rl/ppo_config.hpp"
#include "rl/rmsprop.hpp"

namespace autoscale::rl {
namespace {

std::string error_of(const std::string& toml) {
  try {
    parse_ppo_config(toml, "c.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(PpoConfig, StringsThatSelectBehaviourAreCheckedAtLoad) {
  EXPECT_NE(error_of("[ppo]\nalgorithm = \"sac\"\n").find("c.toml:2: [ppo].algorithm 'sac' is unknown (known: ppo, a2c)"),
            std::string::npos)
      << error_of("[ppo]\nalgorithm = \"sac\"\n");
  EXPECT_NE(error_of("[ppo]\noptimizer = \"sgd\"\n").find("[ppo].optimizer 'sgd' is unknown (known: adam, rmsprop)"), std::string::npos);
  EXPECT_NE(error_of("[ppo]\nreward = \"sampled\"\n").find("[ppo].reward 'sampled' is unknown (known: expected, realized)"), std::string::npos);
  EXPECT_NE(error_of("[ppo]\nfeatures = 3\n").find("[ppo].features must be a string, one of: seed, extended, scaled"), std::string::npos);
  EXPECT_NE(error_of("[ppo]\nepochs = 0\n").find("c.toml:2: [ppo].epochs 0 is out of range: must be >= 1"), std::string::npos);
  EXPECT_NE(error_of("[guardrail]\nfloor_minutes = 0\n").find("c.toml:2: [guardrail].floor_minutes 0 is out of range"),
            std::string::npos);
  EXPECT_NE(error_of("[guardrail]\nfloor = 1\n").find("[guardrail].floor must be true or false"), std::string::npos);
  EXPECT_NE(error_of("[guard]\n").find("unknown table or key 'guard'"), std::string::npos);
  EXPECT_NE(error_of("[ppo]\nbogus = 1\n").find("unknown key 'bogus'"), std::string::npos);
}

// A2C is one epoch over one minibatch; a config that says "a2c" and asks for more is refused, not
// silently run as PPO.
TEST(PpoConfig, A2cRejectsSeveralEpochsOrMinibatches) {
  EXPECT_NE(error_of("[ppo]\nalgorithm = \"a2c\"\n").find("takes one epoch over one minibatch"), std::string::npos);
  EXPECT_NE(error_of("[ppo]\npreset = \"a2c\"\nepochs = 4\n").find("epochs = 4"), std::string::npos);
  const PpoConfig a2c = parse_ppo_config("[ppo]\npreset = \"a2c\"\n", "c.toml");
  EXPECT_EQ(a2c.algorithm, Algorithm::kA2c);
  EXPECT_EQ(a2c.optimizer, Optimizer::kRmsProp);
  EXPECT_EQ(a2c.epochs, 1);
  EXPECT_EQ(a2c.minibatches, 1);
}

TEST(PpoConfig, EffectiveConfigRoundTripsThroughToml) {
  for (const auto& preset : preset_names()) {
    const PpoConfig c = preset_config(preset);
    EXPECT_EQ(to_toml(parse_ppo_config(to_toml(c), "again.toml")), to_toml(c)) << preset;
  }
}

// Parsing a preset over itself cannot see a key that to_toml forgets (the preset's value comes
// back anyway). Here every field differs from every preset, so a key to_toml does not write, or
// the parser does not read, comes back different (or is refused as unknown).
TEST(PpoConfig, EveryFieldRoundTripsThroughToml) {
  PpoConfig c = preset_config("default");
  c.algorithm = Algorithm::kA2c;
  c.num_envs = 7;
  c.rollout_steps = 33;
  c.epochs = 1;
  c.minibatches = 1;
  c.optimizer = Optimizer::kRmsProp;
  c.learning_rate = 0.00123;
  c.anneal_lr = false;
  c.gamma = 0.77;
  c.gae_lambda = 0.66;
  c.clip = 0.33;
  c.vf_coef = 0.44;
  c.ent_coef = 0.0123;
  c.max_grad_norm = 1.5;
  c.normalize_advantages = false;
  c.normalize_obs = false;
  c.normalize_reward = false;
  c.hidden = {12, 34, 56};
  c.features = FeatureSet::kScaled;
  c.action = action_space_named("relative-volatility");
  c.action.base_policy = "hpa:target=0.7";
  c.reward = TrainingReward::kRealized;
  c.validation_episodes = 9;
  c.validation_seed = 912345;
  c.validation_every_steps = 12345;
  c.checkpoint_every_steps = 23456;
  c.guardrail.floor = false;
  c.guardrail.floor_utilization = 0.81;
  c.guardrail.floor_minutes = 7;
  c.guardrail.base_floor = 0.55;
  c.guardrail.fallback = false;
  c.guardrail.ood_margin = 0.25;
  c.guardrail.fallback_utilization = 0.45;
  c.guardrail.fallback_minutes = 20;
  const std::string text = to_toml(c);
  for (const auto& preset : preset_names()) EXPECT_NE(text, to_toml(preset_config(preset))) << preset;
  const PpoConfig back = parse_ppo_config(text, "every.toml");
  EXPECT_EQ(to_toml(back), text);
  EXPECT_EQ(back.hidden, c.hidden);
  EXPECT_EQ(back.action.name(), "relative-volatility");
  EXPECT_EQ(back.action.base_policy, "hpa:target=0.7");
  EXPECT_EQ(back.guardrail.base_floor, 0.55);
  EXPECT_EQ(back.validation_seed, 912345u);
}

// configs/example.toml claims every key: it names each key `train` writes and parses to the
// default preset.
TEST(PpoConfig, TheExampleNamesEveryKeyAtTheDefaults) {
  const auto example = std::filesystem::path(AUTOSCALE_SOURCE_DIR) / "configs" / "example.toml";
  const PpoConfig parsed = load_ppo_config(example);
  EXPECT_EQ(to_toml(parsed), to_toml(preset_config("default")));
  std::ifstream in(example);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream written(to_toml(preset_config("default")));
  int keys = 0;
  for (std::string line; std::getline(written, line);) {
    const auto eq = line.find(" = ");
    if (line.empty() || line[0] == '#' || line[0] == '[' || eq == std::string::npos) continue;
    ++keys;
    EXPECT_NE(text.find("\n" + line.substr(0, eq) + " "), std::string::npos) << "example.toml lacks " << line.substr(0, eq);
  }
  EXPECT_GE(keys, 35);
}

}  // namespace
}  // namespace autoscale::rl
