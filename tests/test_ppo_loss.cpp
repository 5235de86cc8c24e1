// The loss the trainer minimizes (rl/ppo_loss) and the advantages it uses (rl/gae), checked on
// their own: the gradient against finite differences of the very function the trainer calls, the
// advantages against hand computation and a plain per-episode recursion.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gradient_check.hpp"
#include "rl/gae.hpp"
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

// ---------------------------------------------------------------------------------------------
// GAE

// Two environments, three steps, gamma 0.5, lambda 0.5 (gamma * lambda = 0.25):
//   env 0: r = 1, 1, 1; values 2, 2, 2; truncated at step 1 (final value 4, then auto-reset); the
//          rollout ends in a running episode whose current value is 8.
//   env 1: r = 0, 3, 0; values 1, 1, 1; terminated at step 0; running at the end (value 2).
TEST(Gae, HandComputedWithTruncationTerminationAndAutoReset) {
  const std::vector<float> rewards = {1, 0, 1, 3, 1, 0};  // step-major: (t0 e0, t0 e1, t1 e0, ...)
  const std::vector<float> values = {2, 1, 2, 1, 2, 1};
  const std::vector<float> final_values = {0, 0, 4, 0, 0, 0};
  const std::vector<std::uint8_t> terminated = {0, 1, 0, 0, 0, 0};
  const std::vector<std::uint8_t> truncated = {0, 0, 1, 0, 0, 0};
  const std::vector<float> last_values = {8, 2};
  std::vector<float> adv(6);
  compute_gae({2, 3, rewards, values, final_values, terminated, truncated, last_values, 0.5, 0.5}, adv);
  // env 0, t2 (new episode, bootstrap from 8): 1 + 0.5*8 - 2 = 3.
  // env 0, t1 (truncated: bootstrap 4, chain cut): 1 + 0.5*4 - 2 = 1.
  // env 0, t0: delta 1 + 0.5*2 - 2 = 0, plus 0.25 * 1 = 0.25.
  EXPECT_FLOAT_EQ(adv[4], 3.0f);
  EXPECT_FLOAT_EQ(adv[2], 1.0f);
  EXPECT_FLOAT_EQ(adv[0], 0.25f);
  // env 1, t2: 0 + 0.5*2 - 1 = 0; t1: 3 + 0.5*1 - 1 = 2.5 + 0.25*0; t0 (terminated): 0 - 1 = -1.
  EXPECT_FLOAT_EQ(adv[5], 0.0f);
  EXPECT_FLOAT_EQ(adv[3], 2.5f);
  EXPECT_FLOAT_EQ(adv[1], -1.0f);
}

// The step-major batched form against the textbook recursion run episode by episode.
TEST(Gae, MatchesAPerEpisodeRecursionOnRandomRollouts) {
  const int n = 5, T = 40;
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<float> u(-2, 2);
  std::vector<float> rewards(n * T), values(n * T), final_values(n * T, 0), last(n);
  std::vector<std::uint8_t> term(n * T, 0), trunc(n * T, 0);
  for (int k = 0; k < n * T; ++k) {
    rewards[k] = u(gen);
    values[k] = u(gen);
    const float p = (u(gen) + 2) / 4;
    if (p < 0.05f) term[k] = 1;
    else if (p < 0.1f) trunc[k] = 1, final_values[k] = u(gen);
  }
  for (auto& v : last) v = u(gen);
  const double gamma = 0.9, lambda = 0.8;
  std::vector<float> adv(n * T);
  compute_gae({n, T, rewards, values, final_values, term, trunc, last, gamma, lambda}, adv);
  for (int i = 0; i < n; ++i) {
    // Walk env i's samples backwards, restarting the sum at every episode end.
    double running = 0;
    for (int t = T - 1; t >= 0; --t) {
      const int k = t * n + i;
      double next_v = 0;
      bool chain = false;
      if (term[k]) next_v = 0;
      else if (trunc[k]) next_v = final_values[k];
      else next_v = t == T - 1 ? last[i] : values[k + n], chain = true;
      running = rewards[k] + gamma * next_v - values[k] + (chain ? gamma * lambda * running : 0.0);
      EXPECT_NEAR(adv[k], running, 1e-4) << "env " << i << " step " << t;
    }
  }
}

TEST(Gae, RejectsMismatchedSizes) {
  std::vector<float> a(4), b(3), last(2);
  std::vector<std::uint8_t> f(4);
  std::vector<float> adv(4);
  EXPECT_ANY_THROW(compute_gae({2, 2, a, b, a, f, f, last, 0.9, 0.9}, adv));
}

}  // namespace
}  // namespace autoscale::rl
