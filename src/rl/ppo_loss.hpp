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
                      Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& d_values);

extern template PpoLossTerms ppo_loss<float>(MultiCategorical<float>&, const Eigen::Ref<const Eigen::MatrixXf>&,
                                             const Eigen::Ref<const Eigen::MatrixXi>&, const Eigen::Ref<const Eigen::VectorXf>&,
                                             const Eigen::Ref<const Eigen::VectorXf>&, const Eigen::Ref<const Eigen::MatrixXf>&,
                                             const Eigen::Ref<const Eigen::VectorXf>&, const PpoLossCoefficients&, Eigen::Index,
                                             Eigen::MatrixXf&, Eigen::MatrixXf&);
extern template PpoLossTerms ppo_loss<double>(MultiCategorical<double>&, const Eigen::Ref<const Eigen::MatrixXd>&,
                                              const Eigen::Ref<const Eigen::MatrixXi>&, const Eigen::Ref<const Eigen::VectorXd>&,
                                              const Eigen::Ref<const Eigen::VectorXd>&, const Eigen::Ref<const Eigen::MatrixXd>&,
                                              const Eigen::Ref<const Eigen::VectorXd>&, const PpoLossCoefficients&, Eigen::Index,
                                              Eigen::MatrixXd&, Eigen::MatrixXd&);

}  // namespace autoscale::rl
