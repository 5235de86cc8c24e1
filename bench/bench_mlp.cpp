// Micro-benchmarks of the PPO network pieces at the autoscaler's sizes: 25 observations, two hidden
// layers of 64, 22 logits (two heads of 11), float. Items are samples (matrix columns).
#include "rl/adam.hpp"
#include "rl/categorical.hpp"
#include "rl/mlp.hpp"

#include <benchmark/benchmark.h>

#include <cmath>

namespace {

using autoscale::rl::Adam;
using autoscale::rl::Mlp;
using autoscale::rl::MultiCategorical;
using Matrix = Eigen::MatrixXf;

constexpr int kObs = 25, kHidden = 64, kLogits = 22;

Mlp<float> policy_net() {
  Mlp<float> net({kObs, kHidden, kHidden, kLogits});
  net.init_orthogonal(1, std::sqrt(2.0f), 0.01f);
  return net;
}

Matrix observations(Eigen::Index batch) {
  // Deterministic, tanh-friendly inputs; the values do not affect the timing.
  return Matrix::NullaryExpr(kObs, batch, [](Eigen::Index i, Eigen::Index j) {
    return std::sin(0.37f * static_cast<float>(i) + 0.011f * static_cast<float>(j));
  });
}

// The training forward pass (keeps activations for backward).
void BM_MlpForward(benchmark::State& state) {
  Mlp<float> net = policy_net();
  const Matrix x = observations(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(net.forward(x).data());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MlpForward)->Arg(1)->Arg(512)->Arg(2048);

// The serving pass used for rollouts.
void BM_MlpInfer(benchmark::State& state) {
  const Mlp<float> net = policy_net();
  const Matrix x = observations(state.range(0));
  Matrix out;
  Mlp<float>::Workspace ws;
  for (auto _ : state) {
    net.infer(x, out, ws);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MlpInfer)->Arg(1)->Arg(2048);

void BM_MlpInferOne(benchmark::State& state) {
  const Mlp<float> net = policy_net();
  const Eigen::VectorXf x = observations(1);
  Eigen::VectorXf out(kLogits);
  Mlp<float>::Workspace ws;
  for (auto _ : state) {
    net.infer_one(x, out, ws);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MlpInferOne);

// One PPO minibatch through the network and back.
void BM_MlpForwardBackward(benchmark::State& state) {
  Mlp<float> net = policy_net();
  const Matrix x = observations(state.range(0));
  const Matrix d_out = Matrix::Constant(kLogits, state.range(0), 1e-3f);
  for (auto _ : state) {
    net.zero_grad();
    benchmark::DoNotOptimize(net.forward(x).data());
    net.backward(d_out);
    benchmark::DoNotOptimize(net.grads().data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MlpForwardBackward)->Arg(512);

// The action head of a minibatch: log-probs and entropies, then their gradient.
void BM_CategoricalLogProbBackward(benchmark::State& state) {
  const Eigen::Index batch = state.range(0);
  MultiCategorical<float> dist({11, 11});
  const Matrix logits = observations(batch).topRows(kLogits);
  MultiCategorical<float>::Actions actions(2, batch);
  for (Eigen::Index b = 0; b < batch; ++b) actions(0, b) = b % 11, actions(1, b) = (b / 11) % 11;
  Eigen::VectorXf logp(batch), ent(batch);
  const Eigen::VectorXf up = Eigen::VectorXf::Constant(batch, 0.01f);
  Matrix d_logits(kLogits, batch);
  for (auto _ : state) {
    dist.log_prob_entropy(logits, actions, logp, ent);
    dist.backward(actions, up, up, d_logits);
    benchmark::DoNotOptimize(d_logits.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_CategoricalLogProbBackward)->Arg(512);

void BM_AdamStep(benchmark::State& state) {
  Mlp<float> net = policy_net();
  net.grads().setConstant(1e-3f);
  Adam<float> adam(net.num_params());
  for (auto _ : state) {
    adam.step(net.params(), net.grads());
    benchmark::DoNotOptimize(net.params().data());
  }
  state.SetItemsProcessed(state.iterations() * net.num_params());
}
BENCHMARK(BM_AdamStep);

}  // namespace
