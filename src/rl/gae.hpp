#pragma once
// Generalized advantage estimation over a rollout of T steps of N environments, stored step-major
// (sample k = t * N + i), as the trainer collects it. Episode ends are explicit:
// - terminated: the episode truly ended; nothing follows, so no bootstrap;
// - truncated: the time limit cut it; the value of its final observation (final_value) stands in
//   for the future the limit hid;
// either way the advantage chain stops there: the pool has already auto-reset the environment, and
// the next sample belongs to a new episode. After the last step, bootstrap from last_value (the
// value of each environment's current observation).
#include <cstdint>
#include <span>

namespace autoscale::rl {

struct GaeInputs {
  int num_envs = 0, steps = 0;
  std::span<const float> rewards, values, final_values;  // T * N each
  std::span<const std::uint8_t> terminated, truncated;    // T * N each
  std::span<const float> last_values;                     // N
  double gamma = 0.99, lambda = 0.95;
};

// Writes T * N advantages; returns are advantages + values.
void compute_gae(const GaeInputs& in, std::span<float> advantages);

}  // namespace autoscale::rl
