#pragma once
// PPO's minibatch loss and its gradient, as one pure function the trainer calls and tests check
// against finite differences. CleanRL's ppo.py, "Policy loss" / "Value loss" / entropy:
//   ratio_b  = exp(logp_b - old_logp_b)
//   pg_loss  = mean_b max(-A_b ratio_b, -A_b clip(ratio_b, 1 - clip, 1 + clip))
//   v_loss   = mean_b 0.5 (V_b - R_b)^2
//   loss     = pg_loss - ent_coef * mean_b H_b + vf_coef * v_loss
// A2C is the same loss taken once per rollout: its ratio is exactly 1, so clipping never acts and
// the policy term is the plain policy gradient -A_b logp_b.
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>

#include "rl/categorical.hpp"

namespace autoscale::rl {

struct PpoLossCoefficients {
  double clip = 0.2;
  double ent_coef = 0.0;
  double vf_coef = 0.5;
};

// Each term as a sum over the samples of this call divided by `minibatch` (the whole minibatch's
// size), so that threads sharing a minibatch add up to its means.
struct PpoLossTerms {
  double pg_loss = 0, v_loss = 0, entropy = 0;
  double approx_kl = 0;  // mean of (ratio - 1) - log ratio, CleanRL's approx_kl
  double clipfrac = 0;   // fraction of samples whose ratio left [1 - clip, 1 + clip]
  double total(const PpoLossCoefficients& c) const { return pg_loss - c.ent_coef * entropy + c.vf_coef * v_loss; }
  PpoLossTerms& operator+=(const PpoLossTerms& o);
};

// One column per sample: logits (heads' rows stacked) and values (1 x n) come from the networks'
// forward passes, advantages are already normalized. Writes dL/dlogits and dL/dvalues (resized).
template <typename Scalar>
PpoLossTerms ppo_loss(MultiCategorical<Scalar>& dist,
                      const Eigen::Ref<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>>& logits,
                      const Eigen::Ref<const Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>>& actions,
                      const Eigen::Ref<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>& old_logp,
                      const Eigen::Ref<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>& advantages,
                      const Eigen::Ref<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>>& values,
                      const Eigen::Ref<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>& returns,
                      const PpoLossCoefficients& c, Eigen::Index minibatch,
                      Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& d_logits,
                      Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& d_values) {
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  const Eigen::Index n = logits.cols();
  const Scalar inv = Scalar(1) / static_cast<Scalar>(minibatch);
  const Scalar lo = static_cast<Scalar>(1 - c.clip), hi = static_cast<Scalar>(1 + c.clip);
  Vector logp(n), ent(n), d_logp(n);
  dist.log_prob_entropy(logits, actions, logp, ent);
  PpoLossTerms t;

  // Policy loss: the clipped surrogate. Its gradient flows only where the unclipped term is the
  // larger one (where clipping binds, the objective is flat in the ratio).
  for (Eigen::Index b = 0; b < n; ++b) {
    const Scalar log_ratio = logp(b) - old_logp(b);
    const Scalar ratio = std::exp(log_ratio);
    const Scalar unclipped = -advantages(b) * ratio;
    const Scalar clipped = -advantages(b) * std::clamp(ratio, lo, hi);
    t.pg_loss += static_cast<double>(std::max(unclipped, clipped) * inv);
    d_logp(b) = unclipped >= clipped ? -advantages(b) * ratio * inv : Scalar(0);
    t.approx_kl += static_cast<double>(((ratio - 1) - log_ratio) * inv);
    t.clipfrac += (ratio < lo || ratio > hi) ? static_cast<double>(inv) : 0.0;
  }
  t.entropy = static_cast<double>(ent.sum() * inv);
  const Vector d_ent = Vector::Constant(n, static_cast<Scalar>(-c.ent_coef) * inv);
  d_logits.resize(logits.rows(), n);
  dist.backward(actions, d_logp, d_ent, d_logits);  // reuses the softmax of log_prob_entropy()

  // Value loss: squared error to the GAE returns.
  const auto err = (values.row(0) - returns.transpose()).eval();
  t.v_loss = static_cast<double>(Scalar(0.5) * err.squaredNorm() * inv);
  d_values = err * static_cast<Scalar>(c.vf_coef) * inv;
  return t;
}

}  // namespace autoscale::rl
