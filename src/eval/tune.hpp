#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"

namespace autoscale {

struct TuneOptions {
  std::string policy;           // a policy name with tunable parameters (see tunable_params)
  std::uint64_t first_seed = 0; // training episodes: first_seed .. first_seed + episodes - 1
  int episodes = 20;
  int budget = 100;             // candidate parameter sets evaluated, defaults included
  int threads = 1;
  std::uint64_t search_seed = 1;
};

struct TuneTrial {
  std::string spec;
  double mean_profit = 0;
};

struct TuneResult {
  TuneTrial best;
  std::vector<TuneTrial> trials;  // in evaluation order
  std::vector<std::string> widened;  // "reserve up to 7920": boxes widened because the best sat on an edge
};

// Maximizes mean training profit: the defaults, then Latin-hypercube random samples over the
// policy's search space (log scale where declared) for 60% of the budget, then a shrinking
// Gaussian local search around the best so far. Boxes are in the scenario's units (reserves scale
// with its reference load), and when the best so far sits on an edge of the box that its limits
// allow past, the box is widened by half in that direction (up to three times per parameter), so
// a search never reports a corner of a box that was too small for this service. Every candidate faces the same episodes (common
// random numbers), so comparisons between candidates are paired. Same options -> same result.
// On a mix, each candidate's episodes are split between the scenarios by weight (split_by_weight)
// and its profit is the mean over all of them; boxes follow the largest reference load.
TuneResult tune_policy(const std::vector<WeightedScenario>& mix, const TuneOptions& options,
                       const std::function<void(const TuneTrial&, int index, bool improved)>& progress = {});
TuneResult tune_policy(const Scenario& scenario, const TuneOptions& options,
                       const std::function<void(const TuneTrial&, int index, bool improved)>& progress = {});

}  // namespace autoscale
