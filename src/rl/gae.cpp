#include "rl/gae.hpp"

#include "core/error.hpp"

namespace autoscale::rl {

void compute_gae(const GaeInputs& in, std::span<float> adv) {
  const std::size_t n = static_cast<std::size_t>(in.num_envs), total = n * static_cast<std::size_t>(in.steps);
  if (in.rewards.size() != total || in.values.size() != total || in.final_values.size() != total ||
      in.terminated.size() != total || in.truncated.size() != total || adv.size() != total || in.last_values.size() != n) {
    throw Error("compute_gae: every array must hold steps * num_envs samples (last_values: num_envs)");
  }
  const float gamma = static_cast<float>(in.gamma), gl = static_cast<float>(in.gamma * in.lambda);
  for (std::size_t i = 0; i < n; ++i) {
    float next_adv = 0;
    for (std::size_t t = static_cast<std::size_t>(in.steps); t-- > 0;) {
      const std::size_t k = t * n + i;
      float next_value = 0, chain = 0;
      if (in.terminated[k]) {
        next_value = 0;
      } else if (in.truncated[k]) {
        next_value = in.final_values[k];
      } else {
        next_value = t + 1 == static_cast<std::size_t>(in.steps) ? in.last_values[i] : in.values[k + n];
        chain = 1;
      }
      const float delta = in.rewards[k] + gamma * next_value - in.values[k];
      next_adv = delta + gl * chain * next_adv;
      adv[k] = next_adv;
    }
  }
}

}  // namespace autoscale::rl
