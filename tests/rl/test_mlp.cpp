// Tests of the PPO building blocks in src/rl: the MLP, gradient clipping and the multi-categorical
// action distribution (the optimizers: rl/test_optimizers.cpp). Gradients are checked against central differences in
// double precision.
#include "rl/adam.hpp"
#include "rl/categorical.hpp"
#include "rl/mlp.hpp"
#include "gradient_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace autoscale::rl {
namespace {

using namespace autoscale::rl::testing;

// ---------------------------------------------------------------------------------------------
// Mlp

TEST(Mlp, LayoutIsWeightsThenBiasPerLayer) {
  Mlp<double> net({3, 5, 2});
  EXPECT_EQ(net.num_layers(), 2);
  EXPECT_EQ(net.num_params(), 3 * 5 + 5 + 5 * 2 + 2);
  net.params().setLinSpaced(net.num_params(), 0, static_cast<double>(net.num_params() - 1));
  EXPECT_EQ(net.weight(0)(0, 0), 0);
  EXPECT_EQ(net.weight(0)(1, 0), 1);  // column-major: down the first column first
  EXPECT_EQ(net.weight(0)(0, 1), 5);
  EXPECT_EQ(net.bias(0)(0), 15);
  EXPECT_EQ(net.weight(1)(0, 0), 20);
  EXPECT_EQ(net.bias(1)(1), 31);
  net.weight_grad(1)(1, 4) = 7;
  EXPECT_EQ(net.grads()(20 + 1 + 2 * 4), 7);
}

TEST(Mlp, RejectsBadSizes) {
  EXPECT_THROW(Mlp<float>({4}), std::invalid_argument);
  EXPECT_THROW(Mlp<float>({4, 0, 2}), std::invalid_argument);
  EXPECT_THROW(Mlp<float>({-1, 2}), std::invalid_argument);
}

TEST(Mlp, BackwardBeforeForwardThrows) {
  Mlp<double> net({2, 3, 1});
  EXPECT_THROW(net.backward(Md::Zero(1, 1)), std::logic_error);
}

TEST(Mlp, ForwardMatchesHandComputation) {
  Mlp<double> net = random_net({3, 4, 2}, 1);
  const Md x = random_matrix(3, 5, 2);
  const Md hidden = ((net.weight(0) * x).colwise() + net.bias(0)).array().tanh().matrix();
  const Md expected = (net.weight(1) * hidden).colwise() + net.bias(1);
  EXPECT_LT((net.forward(x) - expected).cwiseAbs().maxCoeff(), 1e-14);
}

struct Shape {
  std::vector<int> sizes;
  int batch;
};

// GoogleTest prints a parameter with PrintTo (else as raw bytes, different on every run).
void PrintTo(const Shape& s, std::ostream* os) {
  *os << "layers";
  for (int w : s.sizes) *os << ' ' << w;
  *os << ", batch " << s.batch;
}

// "Layers4x3Batch5": readable and stable test names (GoogleTest would print the raw bytes).
std::string shape_name(const ::testing::TestParamInfo<Shape>& info) {
  std::string name = "Layers";
  for (std::size_t i = 0; i < info.param.sizes.size(); ++i) {
    if (i) name += 'x';
    name += std::to_string(info.param.sizes[i]);
  }
  return name + "Batch" + std::to_string(info.param.batch);
}

class MlpGradient : public ::testing::TestWithParam<Shape> {};

TEST_P(MlpGradient, ParametersAndInputMatchFiniteDifferences) {
  const Shape& shape = GetParam();
  Mlp<double> net = random_net(shape.sizes, 11);
  Md x = random_matrix(shape.sizes.front(), shape.batch, 12);
  const Md coef = random_matrix(shape.sizes.back(), shape.batch, 13);
  // loss = sum(coef .* out), so d_out = coef.
  const auto loss = [&] { return (coef.array() * net.forward(x).array()).sum(); };

  loss();
  net.zero_grad();
  Md d_in;
  net.backward(coef, d_in);
  const Vd analytic = net.grads();
  const Vd analytic_in = d_in.reshaped();

  expect_gradients_match(analytic, numeric_gradient(loss, net.params().data(), net.num_params()), "params");
  expect_gradients_match(analytic_in, numeric_gradient(loss, x.data(), x.size()), "input");
}

INSTANTIATE_TEST_SUITE_P(Shapes, MlpGradient,
                         ::testing::Values(Shape{{4, 3}, 5}, Shape{{3, 5, 2}, 1}, Shape{{3, 5, 2}, 7},
                                           Shape{{6, 8, 8, 8, 5}, 4}, Shape{{25, 64, 64, 22}, 3}),
                         shape_name);

TEST(Mlp, BackwardAccumulatesUntilZeroGrad) {
  Mlp<double> net = random_net({3, 4, 2}, 3);
  const Md x = random_matrix(3, 6, 4);
  const Md d_out = random_matrix(2, 6, 5);
  net.forward(x);
  net.backward(d_out);
  const Vd once = net.grads();
  net.backward(d_out);
  EXPECT_LT((net.grads() - 2 * once).cwiseAbs().maxCoeff(), 1e-13);
  net.zero_grad();
  EXPECT_EQ(net.grads().cwiseAbs().maxCoeff(), 0);
}

TEST(Mlp, GradientIsSumOverColumns) {
  Mlp<double> net = random_net({3, 4, 2}, 6);
  const Md x = random_matrix(3, 4, 7);
  const Md d_out = random_matrix(2, 4, 8);
  net.forward(x);
  net.backward(d_out);
  const Vd batched = net.grads();
  net.zero_grad();
  for (int b = 0; b < 4; ++b) {
    net.forward(x.col(b));
    net.backward(d_out.col(b));
  }
  EXPECT_LT((net.grads() - batched).cwiseAbs().maxCoeff(), 1e-13);
}

TEST(Mlp, BatchSizesCanAlternate) {
  Mlp<double> net = random_net({3, 6, 6, 2}, 9);
  Mlp<double> fresh = net;
  // More sizes than the net caches, so that one gets evicted and rebuilt along the way.
  for (int batch : {5, 3, 8, 1, 2, 9, 5, 3}) {
    const Md x = random_matrix(3, batch, 100 + batch);
    const Md d_out = random_matrix(2, batch, 200 + batch);
    net.zero_grad();
    const Md out = net.forward(x);
    net.backward(d_out);
    fresh = Mlp<double>(net.sizes());
    fresh.params() = net.params();
    EXPECT_EQ(fresh.forward(x), out);
    fresh.backward(d_out);
    EXPECT_EQ(fresh.grads(), net.grads()) << "batch " << batch;
  }
}

TEST(Mlp, InferMatchesForwardAndLeavesCachesAlone) {
  for (const auto& sizes : std::vector<std::vector<int>>{{4, 3}, {4, 7, 3}, {4, 9, 5, 3}}) {
    Mlp<double> net = random_net(sizes, 21);
    const Md x = random_matrix(4, 6, 22);
    const Md other = random_matrix(4, 11, 23);
    const Md d_out = random_matrix(3, 6, 24);

    const Md out = net.forward(x);
    Md served;
    net.infer(other, served);
    net.infer(x, served);
    EXPECT_LT((served - out).cwiseAbs().maxCoeff(), 1e-14);
    for (Eigen::Index b = 0; b < x.cols(); ++b) {
      Vd one(3);
      net.infer_one(x.col(b), one);
      EXPECT_LT((one - out.col(b)).cwiseAbs().maxCoeff(), 1e-14);
    }

    // backward() still refers to x, not to the served batches.
    net.backward(d_out);
    Mlp<double> ref(sizes);
    ref.params() = net.params();
    ref.forward(x);
    ref.backward(d_out);
    EXPECT_EQ(ref.grads(), net.grads());
  }
}

TEST(Mlp, InferAcceptsColumnBlocks) {
  Mlp<float> net({5, 8, 2});
  net.init_orthogonal(3, std::sqrt(2.0f), 1.0f);
  const Eigen::MatrixXf big = random_matrix(5, 10, 31).cast<float>();
  Eigen::MatrixXf part, whole;
  net.infer(big.middleCols(3, 4), part);
  net.infer(big, whole);
  EXPECT_LT((part - whole.middleCols(3, 4)).cwiseAbs().maxCoeff(), 1e-6f);
}

TEST(MlpInit, OrthogonalWithGains) {
  Mlp<double> net({25, 64, 64, 22});
  const double hidden = std::sqrt(2.0), output = 0.01;
  net.params().setConstant(1.0);
  net.init_orthogonal(42, hidden, output);
  // Tall layers have orthonormal columns (W^T W = g^2 I), wide ones orthonormal rows (W W^T = g^2 I).
  const Md w0 = net.weight(0), w1 = net.weight(1), w2 = net.weight(2);
  EXPECT_LT((w0.transpose() * w0 - hidden * hidden * Md::Identity(25, 25)).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((w1.transpose() * w1 - hidden * hidden * Md::Identity(64, 64)).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((w1 * w1.transpose() - hidden * hidden * Md::Identity(64, 64)).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((w2 * w2.transpose() - output * output * Md::Identity(22, 22)).cwiseAbs().maxCoeff(), 1e-15);
  for (int l = 0; l < 3; ++l) EXPECT_EQ(net.bias(l).cwiseAbs().maxCoeff(), 0) << l;
}

TEST(MlpInit, DeterministicPerSeedAndSharedByFloatAndDouble) {
  const std::vector<int> sizes{7, 16, 16, 3};
  Mlp<double> a(sizes), b(sizes), c(sizes);
  Mlp<float> f(sizes);
  // The same gain value for both precisions (sqrt(2.0f) is not sqrt(2.0)).
  const float gain = std::sqrt(2.0f);
  a.init_orthogonal(7, gain, 1.0);
  b.init_orthogonal(7, gain, 1.0);
  c.init_orthogonal(8, gain, 1.0);
  f.init_orthogonal(7, gain, 1.0f);
  EXPECT_EQ(a.params(), b.params());
  EXPECT_GT((a.params() - c.params()).cwiseAbs().maxCoeff(), 0.1);
  EXPECT_EQ(f.params(), a.params().cast<float>());
  // Reinitialising resets: no hidden generator state carried between calls.
  a.init_orthogonal(8, gain, 1.0);
  EXPECT_EQ(a.params(), c.params());
}

// Pinned values: a change here silently changes every seeded training run, so it must be deliberate.
TEST(MlpInit, SeedMeaningIsStable) {
  Mlp<double> net({3, 4, 2});
  net.init_orthogonal(42, std::sqrt(2.0), 0.01);
  EXPECT_NEAR(net.params()(0), -0.63983035932665688, 1e-13);
  EXPECT_NEAR(net.params()(5), 0.15208463993245525, 1e-13);
  EXPECT_NEAR(net.weight(1)(1, 3), 0.0054558031952505861, 1e-15);
}

TEST(MlpInit, FloatWeightsAreOrthogonalToo) {
  Mlp<float> net({25, 64, 64, 22});
  net.init_orthogonal(5, std::sqrt(2.0f), 0.01f);
  const Eigen::MatrixXf w1 = net.weight(1);
  EXPECT_LT((w1.transpose() * w1 - 2.0f * Eigen::MatrixXf::Identity(64, 64)).cwiseAbs().maxCoeff(), 1e-5f);
}

TEST(MlpPrecision, FloatAgreesWithDouble) {
  const std::vector<int> sizes{25, 64, 64, 22};
  Mlp<double> d(sizes);
  d.init_orthogonal(17, std::sqrt(2.0), 1.0);
  d.params() += random_vector(d.num_params(), 18, 0.05);
  Mlp<float> f(sizes);
  f.params() = d.params().cast<float>();
  const Md x = random_matrix(25, 64, 19, 2.0);
  const Md d_out = random_matrix(22, 64, 20);

  const Md out_d = d.forward(x);
  const Md out_f = f.forward(x.cast<float>()).cast<double>();
  EXPECT_LT((out_d - out_f).cwiseAbs().maxCoeff(), 1e-4 * out_d.cwiseAbs().maxCoeff());

  d.backward(d_out);
  f.backward(d_out.cast<float>());
  const Vd grad_f = f.grads().cast<double>();
  EXPECT_LT((d.grads() - grad_f).norm(), 1e-4 * d.grads().norm());
}

// ---------------------------------------------------------------------------------------------
// Clipping

TEST(ClipGradNorm, ScalesDownOnlyAboveTheLimit) {
  Vd g(2);
  g << 3, 4;
  EXPECT_DOUBLE_EQ(clip_grad_norm(g, 10.0), 5.0);
  EXPECT_EQ(g, Vd((Vd(2) << 3, 4).finished()));
  EXPECT_DOUBLE_EQ(clip_grad_norm(g, 1.0), 5.0);
  EXPECT_NEAR(g(0), 0.6, 1e-6);
  EXPECT_NEAR(g(1), 0.8, 1e-6);
  EXPECT_NEAR(g.norm(), 1.0, 1e-6);
}

TEST(ClipGradNorm, ClipsSeveralVectorsJointly) {
  Eigen::VectorXf actor(1), critic(2);
  actor << 3;
  critic << 0, 4;
  const float norm = clip_grad_norm({&actor, &critic}, 0.5);
  EXPECT_FLOAT_EQ(norm, 5.0f);
  EXPECT_NEAR(actor(0), 0.3f, 1e-6f);
  EXPECT_NEAR(critic(1), 0.4f, 1e-6f);
  std::vector<Eigen::VectorXf*> list{&actor, &critic};
  EXPECT_NEAR(clip_grad_norm<float>(list, 1.0f), 0.5f, 1e-6f);
  EXPECT_NEAR(actor(0), 0.3f, 1e-6f);  // under the limit: untouched
}

TEST(ClipGradNorm, NonFiniteNormLeavesGradientsAlone) {
  Vd g(2);
  g << std::numeric_limits<double>::infinity(), 1;
  EXPECT_TRUE(std::isinf(clip_grad_norm(g, 0.5)));
  EXPECT_EQ(g(1), 1);
}

// ---------------------------------------------------------------------------------------------
// MultiCategorical

// Straightforward references in long double.
long double ref_log_softmax(const Md& logits, int off, int n, int b, int i) {
  long double m = -std::numeric_limits<long double>::infinity();
  for (int k = 0; k < n; ++k) m = std::max<long double>(m, logits(off + k, b));
  long double s = 0;
  for (int k = 0; k < n; ++k) s += std::exp(static_cast<long double>(logits(off + k, b)) - m);
  return logits(off + i, b) - m - std::log(s);
}

TEST(MultiCategorical, RejectsBadHeads) {
  EXPECT_THROW(MultiCategorical<float>({}), std::invalid_argument);
  EXPECT_THROW(MultiCategorical<float>({11, 0}), std::invalid_argument);
  MultiCategorical<float> dist({11, 11});
  EXPECT_EQ(dist.num_heads(), 2);
  EXPECT_EQ(dist.num_logits(), 22);
}

TEST(MultiCategorical, LogProbAndEntropyMatchReference) {
  const std::vector<int> heads{3, 11, 1, 4};
  MultiCategorical<double> dist(heads);
  const int batch = 9;
  Md logits = random_matrix(19, batch, 51, 4.0);
  logits.col(2).setConstant(0.5);                         // uniform: entropy is log(n) per head
  logits(0, 3) = 800, logits(1, 3) = -900, logits(2, 3) = 799;  // no overflow, no NaN
  Actions actions(4, batch);
  std::mt19937_64 gen(52);
  for (int b = 0; b < batch; ++b)
    for (int h = 0; h < 4; ++h) actions(h, b) = static_cast<int>(gen() % heads[h]);

  Vd logp(batch), ent(batch), logp2(batch), ent2(batch);
  dist.log_prob_entropy(logits, actions, logp, ent);
  dist.log_prob(logits, actions, logp2);
  dist.entropy(logits, ent2);
  for (int b = 0; b < batch; ++b) {
    long double lp = 0, h_sum = 0;
    int off = 0;
    for (int h = 0; h < 4; ++h) {
      lp += ref_log_softmax(logits, off, heads[h], b, actions(h, b));
      for (int i = 0; i < heads[h]; ++i) {
        const long double l = ref_log_softmax(logits, off, heads[h], b, i);
        h_sum -= std::exp(l) * l;
      }
      off += heads[h];
    }
    EXPECT_NEAR(logp(b), static_cast<double>(lp), 1e-12) << b;
    EXPECT_NEAR(ent(b), static_cast<double>(h_sum), 1e-12) << b;
    EXPECT_NEAR(logp2(b), logp(b), 1e-15);
    EXPECT_NEAR(ent2(b), ent(b), 1e-15);
  }
  EXPECT_NEAR(ent(2), std::log(3.0) + std::log(11.0) + std::log(4.0), 1e-12);
  EXPECT_TRUE(std::isfinite(logp(3)) && std::isfinite(ent(3)));

  Md ls;
  dist.log_softmax(logits, ls);
  EXPECT_NEAR(ls(2, 3), static_cast<double>(ref_log_softmax(logits, 0, 3, 3, 2)), 1e-12);
  EXPECT_NEAR(ls.block(3, 0, 11, batch).array().exp().colwise().sum().maxCoeff(), 1.0, 1e-12);
}

TEST(MultiCategorical, BackwardMatchesFiniteDifferences) {
  const std::vector<int> heads{4, 11, 1, 3};
  MultiCategorical<double> dist(heads);
  const int batch = 6;
  Md logits = random_matrix(19, batch, 61, 3.0);
  Actions actions(4, batch);
  std::mt19937_64 gen(62);
  for (int b = 0; b < batch; ++b)
    for (int h = 0; h < 4; ++h) actions(h, b) = static_cast<int>(gen() % heads[h]);
  const Vd g_logp = random_vector(batch, 63), g_ent = random_vector(batch, 64);

  Vd logp(batch), ent(batch);
  const auto loss = [&] {
    dist.log_prob_entropy(logits, actions, logp, ent);
    return g_logp.dot(logp) + g_ent.dot(ent);
  };
  Md d_logits(19, batch);
  dist.backward(logits, actions, g_logp, g_ent, d_logits);
  expect_gradients_match(d_logits.reshaped(), numeric_gradient(loss, logits.data(), logits.size()), "logits");

  // Each piece on its own, so that a compensating pair of errors cannot hide.
  const Vd zero = Vd::Zero(batch);
  const auto logp_only = [&] {
    dist.log_prob(logits, actions, logp);
    return g_logp.dot(logp);
  };
  dist.backward(logits, actions, g_logp, zero, d_logits);
  expect_gradients_match(d_logits.reshaped(), numeric_gradient(logp_only, logits.data(), logits.size()),
                         "logp");
  const auto ent_only = [&] {
    dist.entropy(logits, ent);
    return g_ent.dot(ent);
  };
  dist.backward(logits, actions, zero, g_ent, d_logits);
  expect_gradients_match(d_logits.reshaped(), numeric_gradient(ent_only, logits.data(), logits.size()),
                         "entropy");
}

TEST(MultiCategorical, BackwardReusingTheLastEvaluationMatches) {
  MultiCategorical<double> dist({5, 2});
  const Md logits = random_matrix(7, 4, 65, 2.0), other = random_matrix(7, 3, 66);
  Actions actions(2, 4);
  actions << 0, 4, 2, 3, 1, 0, 1, 1;
  const Vd g_logp = random_vector(4, 67), g_ent = random_vector(4, 68);
  Md full(7, 4), cached(7, 4);
  dist.backward(logits, actions, g_logp, g_ent, full);
  Vd sink(3);
  dist.entropy(other, sink);
  Vd logp(4), ent(4);
  dist.log_prob_entropy(logits, actions, logp, ent);
  dist.backward(actions, g_logp, g_ent, cached);
  EXPECT_EQ(full, cached);
  Md in_place = logits;
  dist.backward(in_place, actions, g_logp, g_ent, in_place);
  EXPECT_EQ(full, in_place);
}

TEST(MultiCategorical, ModeIsArgmaxFirstOnTies) {
  MultiCategorical<float> dist({3, 4});
  Eigen::MatrixXf logits(7, 2);
  logits.col(0) << 0, 2, 1, 5, 5, -1, 4;
  logits.col(1) << -3, -3, -3, 0, 0, 0, 9;
  MultiCategorical<float>::Actions a(2, 2);
  dist.mode(logits, a);
  EXPECT_EQ(a(0, 0), 1);
  EXPECT_EQ(a(1, 0), 0);
  EXPECT_EQ(a(0, 1), 0);
  EXPECT_EQ(a(1, 1), 3);
}

TEST(MultiCategorical, SampleFrequenciesMatchSoftmax) {
  const std::vector<int> heads{3, 11};
  MultiCategorical<double> dist(heads);
  Vd col(14);
  col << 0.2, -1.0, 1.5, random_vector(11, 71, 2.0);
  col(3 + 7) = -60;  // probability ~1e-27: must never come up
  const int n = 200000;
  const Md logits = col.replicate(1, n);
  Md u(2, n);
  std::mt19937_64 gen(72);
  for (Eigen::Index i = 0; i < u.size(); ++i) u.data()[i] = static_cast<double>(gen() >> 11) * 0x1.0p-53;
  Actions actions(2, n);
  Vd logp(n);
  dist.sample(logits, u, actions, logp);

  Md ls;
  dist.log_softmax(col, ls);
  int off = 0;
  for (int h = 0; h < 2; ++h) {
    std::vector<int> count(heads[h], 0);
    for (int b = 0; b < n; ++b) ++count[actions(h, b)];
    double chi2 = 0;
    int cells = 0;
    for (int i = 0; i < heads[h]; ++i) {
      const double expected = n * std::exp(ls(off + i, 0));
      if (expected < 1e-6) {
        EXPECT_EQ(count[i], 0) << "head " << h << " category " << i;
        continue;
      }
      chi2 += (count[i] - expected) * (count[i] - expected) / expected;
      ++cells;
    }
    // 99.9% quantiles of chi-square with cells - 1 degrees of freedom: 13.8 (2), 27.9 (9).
    EXPECT_LT(chi2, cells - 1 == 2 ? 13.8 : 27.9) << "head " << h << " with " << cells << " cells";
    off += heads[h];
  }

  // The returned logp is the log-probability of the drawn actions.
  Vd check(n);
  dist.log_prob(logits, actions, check);
  EXPECT_LT((check - logp).cwiseAbs().maxCoeff(), 1e-15);
}

TEST(MultiCategorical, SampleEdgesNeverPickImpossibleCategories) {
  MultiCategorical<float> dist({4});
  Eigen::MatrixXf logits(4, 4);
  // The first and last categories underflow to probability zero.
  logits.col(0) << -1000, 0, 1, -1000;
  logits.col(1) = logits.col(0);
  logits.col(2) = logits.col(0);
  logits.col(3) << 3, 3, 3, 3;
  Eigen::MatrixXf u(1, 4);
  u << 0.0f, std::nextafter(1.0f, 0.0f), 1.0f, 0.5f;  // 1.0 can arrive from a rounded double
  MultiCategorical<float>::Actions a(1, 4);
  dist.sample(logits, u, a);
  EXPECT_EQ(a(0, 0), 1);
  EXPECT_EQ(a(0, 1), 2);
  EXPECT_EQ(a(0, 2), 2);
  EXPECT_EQ(a(0, 3), 2);
}

TEST(MultiCategorical, FloatAgreesWithDouble) {
  const std::vector<int> heads{11, 11};
  MultiCategorical<double> dd(heads);
  MultiCategorical<float> df(heads);
  const int batch = 32;
  const Md logits = random_matrix(22, batch, 81, 5.0);
  Actions actions(2, batch);
  for (int b = 0; b < batch; ++b) actions(0, b) = b % 11, actions(1, b) = (3 * b) % 11;
  Vd lp_d(batch), ent_d(batch);
  Eigen::VectorXf lp_f(batch), ent_f(batch);
  dd.log_prob_entropy(logits, actions, lp_d, ent_d);
  df.log_prob_entropy(logits.cast<float>(), actions, lp_f, ent_f);
  EXPECT_LT((lp_d - lp_f.cast<double>()).cwiseAbs().maxCoeff(), 1e-4);
  EXPECT_LT((ent_d - ent_f.cast<double>()).cwiseAbs().maxCoeff(), 1e-4);
  Md g_d(22, batch);
  Eigen::MatrixXf g_f(22, batch);
  const Vd up = random_vector(batch, 82);
  dd.backward(logits, actions, up, up, g_d);
  df.backward(logits.cast<float>(), actions, up.cast<float>(), up.cast<float>(), g_f);
  EXPECT_LT((g_d - g_f.cast<double>()).cwiseAbs().maxCoeff(), 1e-5);
}

}  // namespace
}  // namespace autoscale::rl
