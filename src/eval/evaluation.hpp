#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/run_policies.hpp"
#include "eval/stats.hpp"

namespace autoscale {

// One policy's results over the shared episodes, with the yardsticks that make them comparable.
struct PolicySummary {
  std::string spec;
  PolicyKind kind = PolicyKind::kClassical;
  MeanCi profit;
  std::optional<double> pct_of_oracle, pct_of_oracle_load;  // ratio of means, in percent
  double downtime_minutes = 0, availability = 0, machine_minutes = 0, failed = 0;  // per-episode means
  // Per-episode means of the profit's parts: profit = revenue - machine_cost - downtime_penalty.
  double revenue = 0, machine_cost = 0, downtime_penalty = 0;
  double machine_starts_per_day = 0;  // machines ordered per 1,440 scored minutes (churn)
  ElasticityMetrics elasticity;       // per-episode means of the SPEC elasticity metrics
  std::string best_other;  // the highest-earning other policy
  MeanCi diff_vs_best_other;  // paired: this policy minus best_other, per episode
  std::vector<double> profits;
  std::vector<std::pair<std::string, double>> counters;  // per-episode means of Policy::counters()
};

std::vector<PolicySummary> summarize(const std::vector<PolicyRun>& runs);
nlohmann::json to_json(const std::vector<PolicySummary>& s);

// Where an evaluation's episodes came from.
struct EvaluationSetup {
  std::string scenario;
  std::uint64_t first_seed = 0;
  int episodes = 0;
  std::int64_t minutes_per_episode = 0;
  double seconds = 0;
};
// The evaluation file `evaluate --json` and `run` write: the setup, then every policy's summary.
nlohmann::json evaluation_document(const EvaluationSetup& setup, const std::vector<PolicySummary>& s);
// A fixed-width table for terminals and READMEs (Markdown-compatible).
std::string format_table(const std::vector<PolicySummary>& s);

}  // namespace autoscale
