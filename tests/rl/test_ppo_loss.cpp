// The loss the trainer minimizes (rl/ppo_loss), checked on its own: the gradient against finite
// differences of the very function the trainer calls (the advantages it uses: rl/test_gae.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gradient_check.hpp"
#include "rl/ppo_loss.hpp"

namespace autoscale::rl {
namespace {

using namespace autoscale::rl::testing;

struct Batch {
  Md obs;
  Actions actions;
  Vd old_logp, advantages, returns;
};

// The loss of ppo_loss() through an actor and a critic; with grads, their gradients are left in
// actor.grads() and critic.grads().
double network_loss(Mlp<double>& actor, Mlp<double>& critic, MultiCategorical<double>& dist, const Batch& b,
                    const PpoLossCoefficients& c, bool grads, PpoLossTerms* terms = nullptr) {
  const Md logits = actor.forward(b.obs);
  const Md values = critic.forward(b.obs);
  Md d_logits, d_values;
  const PpoLossTerms t = ppo_loss<double>(dist, logits, b.actions, b.old_logp, b.advantages, values, b.returns, c,
                                          b.obs.cols(), d_logits, d_values);
  if (terms) *terms = t;
  if (grads) {
    actor.zero_grad();
    critic.zero_grad();
    actor.backward(d_logits);
    critic.backward(d_values);
  }
  return t.total(c);
}

TEST(PpoLoss, GradientMatchesFiniteDifferencesOnEveryBranch) {
  Mlp<double> actor({5, 16, 16, 7}), critic({5, 16, 16, 1});
  actor.init_orthogonal(91, std::sqrt(2.0), 0.5);
  critic.init_orthogonal(92, std::sqrt(2.0), 1.0);
  actor.params() += random_vector(actor.num_params(), 93, 0.1);
  critic.params() += random_vector(critic.num_params(), 94, 0.1);
  MultiCategorical<double> dist({3, 4});
  const int n = 16;
  Batch b{random_matrix(5, n, 95, 2.0), Actions(2, n), Vd(n), random_vector(n, 96, 2.0), random_vector(n, 97, 3.0)};
  for (int k = 0; k < n; ++k) b.actions(0, k) = k % 3, b.actions(1, k) = (k / 3) % 4;
  // Old log-probs put the ratios inside (e^+-0.05) and outside (e^+-0.5) the clip range, with
  // advantages of both signs: every branch of the clipped objective, far from its kinks.
  Vd logp(n), ent(n);
  dist.log_prob_entropy(actor.forward(b.obs), b.actions, logp, ent);
  const double shifts[] = {-0.5, -0.05, 0.05, 0.5};
  for (int k = 0; k < n; ++k) b.old_logp(k) = logp(k) + shifts[k % 4];

  const PpoLossCoefficients c{0.2, 0.01, 0.5};
  PpoLossTerms terms;
  network_loss(actor, critic, dist, b, c, true, &terms);
  const Vd actor_grad = actor.grads(), critic_grad = critic.grads();
  const auto loss = [&] { return network_loss(actor, critic, dist, b, c, false); };
  expect_gradients_match(actor_grad, numeric_gradient(loss, actor.params().data(), actor.num_params()), "actor");
  expect_gradients_match(critic_grad, numeric_gradient(loss, critic.params().data(), critic.num_params()), "critic");
  // Half the ratios sit outside [0.8, 1.2]: the clip fraction says so, and the KL estimate is positive.
  EXPECT_DOUBLE_EQ(terms.clipfrac, 0.5);
  EXPECT_GT(terms.approx_kl, 0);
}

// Hand-computed on two samples, so the loss's terms (not only its gradient) are pinned down.
TEST(PpoLoss, TermsOnAHandComputedMinibatch) {
  MultiCategorical<double> dist({2});
  Md logits(2, 2);
  logits << 0, 0,
            0, 0;  // p = (0.5, 0.5) for both samples: logp = log 0.5, entropy = log 2
  Actions actions(1, 2);
  actions << 0, 1;
  Vd old_logp(2), adv(2), ret(2);
  old_logp << std::log(0.5) - 0.5, std::log(0.5);  // ratios e^0.5 = 1.6487 (clipped to 1.2) and 1
  adv << 1.0, -2.0;
  ret << 1.0, 3.0;
  Md values(1, 2);
  values << 2.0, 3.0;
  Md d_logits, d_values;
  const PpoLossCoefficients c{0.2, 0.1, 0.5};
  const PpoLossTerms t = ppo_loss<double>(dist, logits, actions, old_logp, adv, values, ret, c, 2, d_logits, d_values);
  // Sample 0: max(-1 * 1.6487, -1 * 1.2) = -1.2; sample 1: max(2, 2) = 2. Mean 0.4.
  EXPECT_NEAR(t.pg_loss, 0.4, 1e-12);
  EXPECT_NEAR(t.v_loss, 0.5 * (1.0 + 0.0) / 2, 1e-12);
  EXPECT_NEAR(t.entropy, std::log(2.0), 1e-12);
  EXPECT_NEAR(t.clipfrac, 0.5, 1e-12);
  EXPECT_NEAR(t.total(c), 0.4 - 0.1 * std::log(2.0) + 0.5 * 0.25, 1e-12);
  // Clipped sample: no policy gradient, only the entropy term's.
  EXPECT_NEAR(d_logits(0, 0), 0.0, 1e-12);
  EXPECT_NEAR(d_values(0, 0), 0.5 * (2.0 - 1.0) / 2, 1e-12);
  EXPECT_NEAR(d_values(0, 1), 0.0, 1e-12);
  // Unclipped sample 1 (ratio 1, action 1): dL/dlogp = -A/2 = 1; dlogp/dlogit_1 = 1 - 0.5.
  EXPECT_NEAR(d_logits(1, 1), 1.0 * 0.5, 1e-12);
}

}  // namespace
}  // namespace autoscale::rl
