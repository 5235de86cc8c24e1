#pragma once
#include <cstdint>

#include "rl/agent.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::rl {

// Mean realized profit of the agent's deterministic policy (as `evaluate` runs it) on `episodes`
// episodes of `scenario` with seeds first_seed, first_seed + 1, ...
double validate(const Agent& agent, const Scenario& scenario, std::uint64_t first_seed, int episodes, int threads);

}  // namespace autoscale::rl
