// Generalized advantage estimation (rl/gae): hand computation with truncation, termination and
// auto-reset, and a plain per-episode recursion.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "gradient_check.hpp"
#include "rl/gae.hpp"

namespace autoscale::rl {
namespace {

using namespace autoscale::rl::testing;

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
