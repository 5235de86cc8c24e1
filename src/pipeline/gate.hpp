#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "eval/evaluation.hpp"
#include "eval/stats.hpp"
#include "eval/tiles.hpp"

namespace autoscale::pipeline {

// The selection gate: the learned policy is deployed only if, on the end of the past it was not
// trained on (the hold-out), it beats the classical policy it stands on with the whole 95 %
// interval of the paired difference above zero. The interval treats each held-out day as one
// independent unit (its replicates share its traffic: clustered_paired_diff_ci), so a margin
// that one burst day decides does not pass. Otherwise the classical policy is deployed: what `run`
// hands an operator is then exactly the autoscaler they would have tuned, never worse by
// construction.
struct GateDecision {
  bool deploy_learned = false;
  MeanCi diff;  // learned - base per scored day of the hold-out, over its days
  int days = 0, episodes = 0;
  double worst_episode_diff = 0;
  std::string reason;  // one sentence for the verdict
};

// `unit` names a tile in the reason ("day" for run's episodes).
GateDecision decide_gate(const PolicySummary& learned, const PolicySummary& base, const TiledEpisodes& holdout,
                         const std::string& unit);
nlohmann::json to_json(const GateDecision& g);

}  // namespace autoscale::pipeline
