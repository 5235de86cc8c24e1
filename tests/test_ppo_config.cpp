#include <gtest/gtest.h>

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
  for (const char* preset : {"default", "seed", "a2c", "trace", "general"}) {
    const PpoConfig c = preset_config(preset);
    EXPECT_EQ(to_toml(parse_ppo_config(to_toml(c), "again.toml")), to_toml(c)) << preset;
  }
}

// torch.optim.RMSprop (alpha 0.99, eps 1e-5, no momentum) by hand: v1 = 0.01 g^2,
// p1 = p0 - lr g / (sqrt(v1) + eps).
TEST(RmsProp, FirstStepsMatchHandComputation) {
  RmsProp<double> opt(2, {.lr = 0.1, .alpha = 0.99, .eps = 1e-5});
  Eigen::VectorXd p(2), g(2);
  p << 1.0, -2.0;
  g << 0.5, -4.0;
  opt.step(p, g);
  EXPECT_NEAR(p(0), 1.0 - 0.1 * 0.5 / (std::sqrt(0.01 * 0.25) + 1e-5), 1e-12);
  EXPECT_NEAR(p(1), -2.0 + 0.1 * 4.0 / (std::sqrt(0.01 * 16) + 1e-5), 1e-12);
  const double v0 = 0.99 * 0.01 * 0.25 + 0.01 * 0.25;
  const double before = p(0);
  opt.step(p, g);
  EXPECT_NEAR(p(0), before - 0.1 * 0.5 / (std::sqrt(v0) + 1e-5), 1e-12);
}

TEST(NetworkOptimizer, StateRoundTripsAndRefusesAnotherKind) {
  NetworkOptimizer a(Optimizer::kRmsProp, 3, 0.01f), b(Optimizer::kRmsProp, 3, 0.01f);
  Eigen::VectorXf pa = Eigen::VectorXf::Ones(3), pb = pa, g(3);
  g << 1, -2, 3;
  a.step(pa, g);
  b.load_state_json(a.state_json());
  pb = pa;
  a.step(pa, g);
  b.step(pb, g);
  EXPECT_EQ(pa, pb);
  NetworkOptimizer adam(Optimizer::kAdam, 3, 0.01f);
  EXPECT_THROW(adam.load_state_json(a.state_json()), Error);
}

}  // namespace
}  // namespace autoscale::rl
