// The learned policy's guardrail (rl/guardrail) and residual action (rl/action_space,
// rl/base_controller): the floors hold, the fallback takes over out of distribution, and a
// residual network that says "as is" is its classical controller.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/error.hpp"
#include "env/env.hpp"
#include "policies/classical.hpp"
#include "policies/run_episode.hpp"
#include "rl/action_space.hpp"
#include "rl/agent.hpp"
#include "rl/base_controller.hpp"
#include "rl/decision.hpp"
#include "rl/guardrail.hpp"
#include "rl/learned_policy.hpp"
#include "scenario/scenario.hpp"
#include "scripted_load.hpp"

namespace autoscale::rl {
namespace {

using autoscale::testing::ScriptedLoad;
using autoscale::testing::drive;

ServiceParams exact() {
  ServiceParams p;
  p.tpm_sigma = 0;
  p.initial_machines = 20;
  p.max_time_steps = 200;
  return p;
}

TEST(Guardrail, FloorServesTheRecentPeakAndOverrulesASmallerFleet) {
  const ServiceParams p = exact();
  Env env(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{3000, 5700, 3000, 3000}));
  Features f(p, FeatureSet::kScaled);
  drive(env, f, 3);
  Guardrail g;
  g.floor_utilization = 0.95;
  g.floor_minutes = 10;
  // ceil(5700 / (0.95 * 300)) = 20 machines: the peak two minutes ago.
  EXPECT_EQ(g.floor_machines(f, p), 20);
  const Action shrink{0, 8};  // 20 active -> 12
  const Action held = g.apply_floor(shrink, env, f);
  EXPECT_EQ(held.remove, 0);
  EXPECT_EQ(held.add, 0);
  const Action grow{3, 0};
  EXPECT_EQ(g.apply_floor(grow, env, f).add, 3);  // above the floor: untouched
  // A residual policy is also held to base_floor of its controller's target: 0.9 * 40 = 36.
  EXPECT_EQ(g.floor_machines(f, p, 40), 36);
  EXPECT_EQ(g.apply_floor(shrink, env, f, 40).add, 10);  // toward 36, at most 10 a minute
  g.floor = false;
  EXPECT_EQ(g.floor_machines(f, p, 40), 0);
  EXPECT_EQ(g.apply_floor(shrink, env, f).remove, 8);
  // Asking to remove more machines than are active (the "seed" action may) only removes them
  // all: off, the floor leaves it as it is; on with nothing to hold, too.
  const Action all{0, 25};
  EXPECT_EQ(g.apply_floor(all, env, f).remove, 25);
  g.floor = true;
  g.floor_utilization = 10;  // a floor of ceil(3000 / 3000) = 1 machine (zero loads are gaps)
  Env empty(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{3000, 0, 0, 0}));
  Features quiet(p, FeatureSet::kScaled);
  drive(empty, quiet, 3);
  EXPECT_EQ(g.floor_machines(quiet, p), 1);
  const Action held_all = g.apply_floor(all, env, quiet);
  EXPECT_EQ(held_all.remove, 10) << "20 active, toward the floor of 1, at most 10 a minute";
}

TEST(Guardrail, FallbackKeepsEveryMachineAndServesTheRecentPeak) {
  const ServiceParams p = exact();
  Env env(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{3000, 9000, 3000}));
  Features f(p, FeatureSet::kScaled);
  drive(env, f, 3);
  Guardrail g;
  g.fallback_utilization = 0.6;
  // ceil(9000 / 180) = 50 machines wanted, 20 held: add as fast as allowed.
  EXPECT_EQ(g.fallback_action(env, f).add, 10);
  EXPECT_EQ(g.fallback_action(env, f).remove, 0);
  g.fallback_utilization = 10;  // wants fewer than it has: keeps them
  EXPECT_EQ(g.fallback_action(env, f).remove, 0);
}

TEST(Guardrail, RoundTripsThroughJsonAndRejectsBadFields) {
  Guardrail g;
  g.floor_minutes = 7;
  g.base_floor = 0.8;
  const Guardrail back = guardrail_from_json(to_json(g));
  EXPECT_EQ(back.floor_minutes, 7);
  EXPECT_DOUBLE_EQ(back.base_floor, 0.8);
  auto j = to_json(g);
  j["floor_minutes"] = 0;
  EXPECT_THROW(guardrail_from_json(j), Error);
  j = to_json(g);
  j.erase("ood_margin");
  EXPECT_THROW(guardrail_from_json(j), Error);
}

// Multiplier 1 and no reserve: the residual steers exactly where its classical controller does.
TEST(Decision, TheFloorBindsAResidualChoiceInTrainingAndEveryChoiceInDeployment) {
  // One path (rl::decide) for the training rollout, LearnedPolicy and the Python environments.
  const ServiceParams p = exact();
  Env env(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{3000, 5700, 3000, 3000}));
  Features f(p, FeatureSet::kScaled);
  drive(env, f, 3);
  const Guardrail g;  // floor: ceil(5700 / (0.95 * 300)) = 20 machines, the fleet as it is
  // A target action asking for the smallest fleet it can name.
  const ActionSpace target = ActionSpace::target_default();
  const int lowest[2] = {0, 0};
  BaseController inert(target, p);
  inert.reset(env);
  inert.observe(env);
  const Decision trained = decide(target, g, Stage::kTraining, lowest, env, f, inert);
  const Decision deployed = decide(target, g, Stage::kDeployment, lowest, env, f, inert);
  ASSERT_GT(trained.action.remove, 0) << "the choice shrinks the fleet";
  EXPECT_FALSE(trained.floored) << "a target choice is trained as sampled";
  EXPECT_TRUE(deployed.floored);
  EXPECT_EQ(deployed.action.remove, 0);
  // A residual action trimming its controller to 70 %: floored in both stages.
  ActionSpace residual = ActionSpace::residual_default();
  residual.base_policy = "hpa:target=0.6";
  BaseController base(residual, p);
  base.reset(env);
  base.observe(env);
  const int trim[2] = {0, 0};
  ASSERT_LT(residual.factors[0], 0.9);
  for (const Stage stage : {Stage::kTraining, Stage::kDeployment}) {
    const Decision d = decide(residual, g, stage, trim, env, f, base);
    EXPECT_TRUE(d.floored);
    EXPECT_EQ(d.action.remove, 0);
  }
}

TEST(Residual, NeutralChoiceIsTheControllerItself) {
  const Scenario s = resolve_scenario("seed");
  ActionSpace a = ActionSpace::residual_default();
  a.base_policy = "hpa:target=0.6";
  int neutral = -1;
  for (std::size_t i = 0; i < a.factors.size(); ++i)
    if (std::abs(a.factors[i] - 1.0) < 1e-12) neutral = static_cast<int>(i);
  ASSERT_GE(neutral, 0);
  const int choice[2] = {neutral, 0};
  Env env = s.make_env();
  env.reset(11);
  BaseController base(a, s.service);
  auto hpa = make_classical_policy(parse_policy_spec("hpa:target=0.6"), s.service);
  base.reset(env);
  hpa->reset(env);
  Features f(s.service, FeatureSet::kScaled);
  f.reset();
  f.update(env.info(), env.fleet());
  int compared = 0;
  for (int m = 0; m < 3000; ++m) {
    base.observe(env);
    const Action mine = a.decode(choice, {env, f, base.fleet()});
    const Action theirs = hpa->act(env);
    // The same target, steered the same way.
    ASSERT_EQ(base.fleet(), hpa->desired_fleet()) << "minute " << m;
    ASSERT_EQ(mine.add, theirs.add) << "minute " << m;
    ASSERT_EQ(mine.remove, theirs.remove) << "minute " << m;
    compared += theirs.add + theirs.remove > 0;
    env.step(theirs);
    f.update(env.info(), env.fleet());
  }
  EXPECT_GT(compared, 20);  // the controller did act, so the comparison covered its moves
}

TEST(Residual, MultiplierAndReserveMoveTheTarget) {
  const ServiceParams p = exact();
  Env env(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{3000, 3300, 3000, 3300}));
  Features f(p, FeatureSet::kScaled);
  drive(env, f, 4);
  const ActionSpace a = ActionSpace::residual_default();
  // factor 1.5 (index 16), reserve 0: ceil(40 * 1.5) = 60 wanted, 20 held -> add 10.
  const int up[2] = {16, 0};
  EXPECT_EQ(a.decode(up, {env, f, 40}).add, 10);
  // factor 0.7 (index 0): ceil(20 * 0.7) = 14 < 20 active -> remove 6 (ready first).
  const int down[2] = {0, 0};
  EXPECT_EQ(a.decode(down, {env, f, 20}).remove, 6);
  // reserve 10 volatilities (index 10) on top of factor 1: 20 + ceil(10 * vol / 300).
  const int reserve[2] = {6, 10};
  const int expect = static_cast<int>(std::ceil(20 + 10 * f.volatility() / 300 - 1e-9));
  EXPECT_EQ(a.decode(reserve, {env, f, 20}).add, expect - 20);
}

// A policy that is not residual has no controller, and proposes no fleet: the guardrail's base
// floor (a fraction of that fleet) must then hold nothing up, not the fleet of the first minute.
TEST(Residual, NoControllerProposesNoFleet) {
  const ServiceParams p = exact();
  Env env(p, std::make_unique<ScriptedLoad>(std::vector<std::int64_t>{3000, 300, 300, 300}));
  env.reset(0);
  ASSERT_GT(env.fleet().active(), 0);
  BaseController base(ActionSpace::target_default(), p);
  EXPECT_FALSE(base.active());
  base.reset(env);
  EXPECT_EQ(base.fleet(), 0);
  Features f(p, FeatureSet::kExtended);
  drive(env, f, 4);
  base.observe(env);
  EXPECT_EQ(base.fleet(), 0);
  // With that, the floor is the recent load's alone: 3000 tpm at 0.95 of 300 tpm -> 11 machines.
  Guardrail g;
  EXPECT_EQ(g.floor_machines(f, p, base.fleet()), 11);
}

TEST(Residual, BasePolicyMustBeClassical) {
  ActionSpace a = ActionSpace::residual_default();
  a.base_policy = "oracle";
  EXPECT_THROW(BaseController(a, ServiceParams{}), Error);
  a.base_policy = "hpa:bogus=1";
  EXPECT_THROW(BaseController(a, ServiceParams{}), Error);
}

// Out of distribution (a feature far outside what training saw), the learned policy hands the
// minute to its fallback and counts it.
TEST(LearnedPolicyGuardrail, OutOfDistributionMinutesGoToTheFallback) {
  const Scenario s = resolve_scenario("seed");
  const ActionSpace a = ActionSpace::target_default();
  const Features probe(s.service, FeatureSet::kScaled);
  Agent agent(FeatureSet::kScaled, a, probe.dim(), a.head_sizes(s.service), {8}, true, 5);
  // Training "saw" every feature at exactly 0: anything else is far outside.
  agent.obs_range.update(Eigen::MatrixXf::Zero(agent.obs_dim, 2));
  agent.guardrail.ood_margin = 0.5;
  auto shared = std::make_shared<const Agent>(agent);
  Env env = s.make_env();
  LearnedPolicy policy(shared, s.service);
  run_episode(env, policy, 3);
  const auto& c = policy.guardrail_counts();
  EXPECT_EQ(c.fallback_minutes, s.service.episode_steps());
  agent.guardrail.fallback = false;
  LearnedPolicy trusting(std::make_shared<const Agent>(agent), s.service);
  run_episode(env, trusting, 3);
  EXPECT_EQ(trusting.guardrail_counts().fallback_minutes, 0);
}

}  // namespace
}  // namespace autoscale::rl
