#pragma once
// Finite-difference gradient checks in double precision, shared by the network and loss tests.
#include <Eigen/Dense>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "rl/categorical.hpp"
#include "rl/mlp.hpp"

namespace autoscale::rl::testing {

using Md = Eigen::MatrixXd;
using Vd = Eigen::VectorXd;
using Actions = MultiCategorical<double>::Actions;

// Balances truncation (~h^2) against rounding (~1e-16 * |loss| / h) for losses of order 1-10.
constexpr double kFdStep = 1e-5;
constexpr double kGradTol = 1e-6;

// Reproducible uniform [-scale, scale) entries (Eigen's Random() depends on std::rand's state).
inline Md random_matrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed, double scale = 1.0) {
  std::mt19937_64 gen(seed);
  Md m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i)
    m.data()[i] = scale * (2.0 * static_cast<double>(gen() >> 11) * 0x1.0p-53 - 1.0);
  return m;
}

inline Vd random_vector(Eigen::Index n, std::uint64_t seed, double scale = 1.0) {
  return random_matrix(n, 1, seed, scale);
}

// Central differences of f with respect to every entry of x (restored afterwards).
inline Vd numeric_gradient(const std::function<double()>& f, double* x, Eigen::Index n) {
  Vd g(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double saved = x[i];
    x[i] = saved + kFdStep;
    const double up = f();
    x[i] = saved - kFdStep;
    const double down = f();
    x[i] = saved;
    g(i) = (up - down) / (2 * kFdStep);
  }
  return g;
}

// Relative error per entry, against the larger of the two magnitudes; entries whose true gradient
// is ~0 are compared on the scale of the whole gradient, where a relative error is meaningless.
inline void expect_gradients_match(const Vd& analytic, const Vd& numeric, const char* what) {
  ASSERT_EQ(analytic.size(), numeric.size()) << what;
  const double floor = 1e-3 * std::max(analytic.cwiseAbs().maxCoeff(), 1e-12);
  double worst = 0;
  Eigen::Index worst_i = 0;
  for (Eigen::Index i = 0; i < analytic.size(); ++i) {
    const double scale = std::max({std::abs(analytic(i)), std::abs(numeric(i)), floor});
    const double rel = std::abs(analytic(i) - numeric(i)) / scale;
    if (rel > worst) {
      worst = rel;
      worst_i = i;
    }
  }
  EXPECT_LT(worst, kGradTol) << what << ": entry " << worst_i << " analytic " << analytic(worst_i)
                             << " numeric " << numeric(worst_i);
  EXPECT_LT((analytic - numeric).norm() / std::max(analytic.norm(), 1e-12), kGradTol) << what;
}

// A network with every parameter random, biases included (orthogonal init would leave them zero and
// hide bias-gradient bugs).
inline Mlp<double> random_net(const std::vector<int>& sizes, std::uint64_t seed) {
  Mlp<double> net(sizes);
  net.params() = random_vector(net.num_params(), seed, 0.6);
  return net;
}

}  // namespace autoscale::rl::testing
