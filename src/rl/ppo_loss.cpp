#include "rl/ppo_loss.hpp"

#include <algorithm>
#include <cmath>

namespace autoscale::rl {

PpoLossTerms& PpoLossTerms::operator+=(const PpoLossTerms& o) {
  pg_loss += o.pg_loss;
  v_loss += o.v_loss;
  entropy += o.entropy;
  approx_kl += o.approx_kl;
  clipfrac += o.clipfrac;
  return *this;
}

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

template PpoLossTerms ppo_loss<float>(MultiCategorical<float>&, const Eigen::Ref<const Eigen::MatrixXf>&,
                                      const Eigen::Ref<const Eigen::MatrixXi>&, const Eigen::Ref<const Eigen::VectorXf>&,
                                      const Eigen::Ref<const Eigen::VectorXf>&, const Eigen::Ref<const Eigen::MatrixXf>&,
                                      const Eigen::Ref<const Eigen::VectorXf>&, const PpoLossCoefficients&, Eigen::Index,
                                      Eigen::MatrixXf&, Eigen::MatrixXf&);
template PpoLossTerms ppo_loss<double>(MultiCategorical<double>&, const Eigen::Ref<const Eigen::MatrixXd>&,
                                       const Eigen::Ref<const Eigen::MatrixXi>&, const Eigen::Ref<const Eigen::VectorXd>&,
                                       const Eigen::Ref<const Eigen::VectorXd>&, const Eigen::Ref<const Eigen::MatrixXd>&,
                                       const Eigen::Ref<const Eigen::VectorXd>&, const PpoLossCoefficients&, Eigen::Index,
                                       Eigen::MatrixXd&, Eigen::MatrixXd&);

}  // namespace autoscale::rl
