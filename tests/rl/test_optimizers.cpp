// The optimizers (rl/adam, rl/rmsprop, rl/optimizer): Adam and RMSprop against hand computation,
// Adam's bias correction and convergence, and the optimizer state a checkpoint keeps.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "gradient_check.hpp"
#include "rl/adam.hpp"
#include "rl/categorical.hpp"
#include "rl/mlp.hpp"
#include "rl/optimizer.hpp"
#include "rl/ppo_config.hpp"
#include "rl/rmsprop.hpp"

namespace autoscale::rl {
namespace {

using namespace autoscale::rl::testing;

TEST(Adam, FirstStepMatchesHandComputation) {
  AdamOptions<double> o;
  o.lr = 0.1;
  Adam<double> adam(3, o);
  Vd p(3), g(3);
  p << 1, -2, 3;
  g << 0.5, -1e-6, 2;
  adam.step(p, g);
  // m_hat = g and v_hat = g^2 after one step, so each move is lr * g / (|g| + eps).
  EXPECT_NEAR(p(0), 0.9000019999600007, 1e-15);
  EXPECT_NEAR(p(1), -1.990909090909091, 1e-15);  // eps dominates a tiny gradient
  EXPECT_NEAR(p(2), 2.9000004999975, 1e-15);
  EXPECT_EQ(adam.state().t, 1);
  EXPECT_NEAR(adam.state().m(0), 0.05, 1e-16);
  EXPECT_NEAR(adam.state().v(2), 0.004, 1e-16);
}

TEST(Adam, SecondStepUsesBiasCorrection) {
  AdamOptions<double> o;
  o.lr = 0.01;
  Adam<double> adam(1, o);
  Vd p = Vd::Constant(1, 0.0);
  adam.step(p, Vd::Constant(1, 1.0));
  adam.step(p, Vd::Constant(1, 3.0));
  // m = 0.9*0.1 + 0.1*3 = 0.39, v = 0.999*0.001 + 0.001*9 = 0.009999;
  // step = lr / (1 - 0.81) * m / (sqrt(v) / sqrt(1 - 0.998001) + eps).
  const double expected_second = 0.01 / 0.19 * 0.39 / (std::sqrt(0.009999) / std::sqrt(0.001999) + 1e-5);
  EXPECT_NEAR(p(0), -0.01 / (1 + 1e-5) - expected_second, 1e-15);
}

TEST(Adam, ConvergesOnAQuadratic) {
  // f(x) = 0.5 * sum c_i (x_i - t_i)^2 with curvatures spanning three orders of magnitude.
  Vd c(3), t(3);
  c << 1, 10, 0.01;
  t << 1, -2, 0.5;
  AdamOptions<double> o;
  o.lr = 0.05;
  Adam<double> adam(3, o);
  Vd x = Vd::Zero(3);
  for (int i = 0; i < 4000; ++i) {
    if (i == 3000) adam.set_learning_rate(0.001);  // anneal to settle inside the final oscillation
    const Vd g = c.cwiseProduct(x - t);
    adam.step(x, g);
  }
  EXPECT_LT((x - t).cwiseAbs().maxCoeff(), 1e-2);
}

TEST(Adam, StateRoundTripsForCheckpoints) {
  Adam<float> a(4), b(4);
  Eigen::VectorXf pa = Eigen::VectorXf::Ones(4), pb;
  const Eigen::VectorXf g = random_vector(4, 41).cast<float>();
  for (int i = 0; i < 5; ++i) a.step(pa, g);
  pb = pa;
  b.set_state(a.state());
  for (int i = 0; i < 5; ++i) {
    a.step(pa, g * float(i));
    b.step(pb, g * float(i));
  }
  EXPECT_EQ(pa, pb);
  EXPECT_EQ(b.state().t, 10);
  Adam<float>::State wrong;
  wrong.m = Eigen::VectorXf::Zero(3);
  wrong.v = Eigen::VectorXf::Zero(3);
  EXPECT_THROW(b.set_state(wrong), std::invalid_argument);
  b.reset();
  EXPECT_EQ(b.state().t, 0);
  EXPECT_EQ(b.state().m.cwiseAbs().maxCoeff(), 0.0f);
}

TEST(Adam, DefaultsFollowCleanRl) {
  Adam<float> adam(1);
  EXPECT_FLOAT_EQ(adam.options().beta1, 0.9f);
  EXPECT_FLOAT_EQ(adam.options().beta2, 0.999f);
  EXPECT_FLOAT_EQ(adam.options().eps, 1e-5f);
  adam.set_learning_rate(1e-3f);
  EXPECT_FLOAT_EQ(adam.learning_rate(), 1e-3f);
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
