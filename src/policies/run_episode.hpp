#pragma once
#include <cstdint>
#include <functional>

#include "env/env.hpp"
#include "env/episode_metrics.hpp"
#include "policies/policy.hpp"

namespace autoscale {

// Called once per simulated minute with what happened in it (for minute traces).
using MinuteObserver = std::function<void(const StepInfo&)>;

// Runs one whole episode of `env` (reset with `seed`) under `policy` and returns its totals.
EpisodeMetrics run_episode(Env& env, Policy& policy, std::uint64_t seed, const MinuteObserver& on_minute = {});

}  // namespace autoscale
