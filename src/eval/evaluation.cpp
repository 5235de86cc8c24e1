#include "eval/evaluation.hpp"

#include <fmt/format.h>

namespace autoscale {
namespace {

// [lo, hi], or null when the interval is undefined (fewer than two episodes).
nlohmann::json interval(const MeanCi& m) {
  return m.has_interval() ? nlohmann::json::array({m.lo(), m.hi()}) : nlohmann::json();
}

}  // namespace

std::vector<PolicySummary> summarize(const std::vector<PolicyRun>& runs) {
  std::vector<PolicySummary> out(runs.size());
  const PolicySummary* oracle = nullptr;
  const PolicySummary* oracle_load = nullptr;
  for (std::size_t p = 0; p < runs.size(); ++p) {
    PolicySummary& s = out[p];
    s.spec = runs[p].spec;
    s.kind = runs[p].kind;
    const double n = static_cast<double>(runs[p].episodes.size());
    double starts = 0, minutes = 0;
    for (const auto& e : runs[p].episodes) {
      s.profits.push_back(e.profit);
      s.downtime_minutes += static_cast<double>(e.downtime_minutes) / n;
      s.availability += e.availability / n;
      s.machine_minutes += e.machine_minutes / n;
      s.failed += static_cast<double>(e.failed) / n;
      s.revenue += e.revenue / n;
      s.machine_cost += e.machine_cost / n;
      s.downtime_penalty += e.downtime_penalty / n;
      starts += static_cast<double>(e.machine_starts);
      minutes += static_cast<double>(e.minutes);
      s.elasticity.under_accuracy += e.elasticity.under_accuracy / n;
      s.elasticity.over_accuracy += e.elasticity.over_accuracy / n;
      s.elasticity.under_timeshare += e.elasticity.under_timeshare / n;
      s.elasticity.over_timeshare += e.elasticity.over_timeshare / n;
      s.elasticity.instability += e.elasticity.instability / n;
    }
    s.machine_starts_per_day = minutes > 0 ? 1440 * starts / minutes : 0;
    s.profit = mean_ci(s.profits);
    for (const auto& [name, total] : runs[p].counters) s.counters.push_back({name, static_cast<double>(total) / n});
    if (s.spec == "oracle") oracle = &s;
    if (s.spec == "oracle-load") oracle_load = &s;
  }
  for (auto& s : out) {
    if (oracle && oracle->profit.mean != 0) s.pct_of_oracle = 100 * s.profit.mean / oracle->profit.mean;
    if (oracle_load && oracle_load->profit.mean != 0) s.pct_of_oracle_load = 100 * s.profit.mean / oracle_load->profit.mean;
    // The best other policy, oracles excluded unless this is one: they are bounds, not rivals.
    const PolicySummary* best = nullptr;
    for (const auto& o : out) {
      if (&o == &s) continue;
      if (o.kind == PolicyKind::kOracle && s.kind != PolicyKind::kOracle) continue;
      if (!best || o.profit.mean > best->profit.mean) best = &o;
    }
    if (best) {
      s.best_other = best->spec;
      s.diff_vs_best_other = paired_diff_ci(s.profits, best->profits);
    }
  }
  return out;
}

nlohmann::json to_json(const std::vector<PolicySummary>& summaries) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& s : summaries) {
    nlohmann::json j = {{"policy", s.spec},
                        {"kind", kPolicyKindNames.name(s.kind)},
                        {"mean_profit", s.profit.mean},
                        {"profit_ci95", interval(s.profit)},
                        {"profit_sd", s.profit.sd},
                        {"episodes", s.profit.n},
                        {"downtime_minutes", s.downtime_minutes},
                        {"availability", s.availability},
                        {"machine_minutes", s.machine_minutes},
                        {"failed_transactions", s.failed},
                        {"revenue", s.revenue},
                        {"machine_cost", s.machine_cost},
                        {"downtime_penalty", s.downtime_penalty},
                        {"machine_starts_per_day", s.machine_starts_per_day},
                        {"elasticity", to_json(s.elasticity)},
                        {"episode_profits", s.profits}};
    j["pct_of_oracle"] = s.pct_of_oracle ? nlohmann::json(*s.pct_of_oracle) : nlohmann::json();
    j["pct_of_oracle_load"] = s.pct_of_oracle_load ? nlohmann::json(*s.pct_of_oracle_load) : nlohmann::json();
    if (!s.best_other.empty()) {
      j["vs_best_other"] = {{"policy", s.best_other},
                            {"mean_difference", s.diff_vs_best_other.mean},
                            {"ci95", interval(s.diff_vs_best_other)}};
    }
    for (const auto& [name, mean] : s.counters) j["counters"][name] = mean;
    arr.push_back(j);
  }
  return arr;
}

nlohmann::json evaluation_document(const EvaluationSetup& e, const std::vector<PolicySummary>& s) {
  return {{"scenario", e.scenario},          {"first_seed", e.first_seed}, {"episodes", e.episodes},
          {"minutes_per_episode", e.minutes_per_episode}, {"seconds", e.seconds}, {"policies", to_json(s)}};
}

std::string format_table(const std::vector<PolicySummary>& summaries) {
  std::string out = fmt::format("| {:<44} | {:>18} | {:>8} | {:>8} | {:>8} | {:>9} | {:>10} | {:>10} | {:>24} |\n", "policy",
                                "mean profit (95% CI)", "% oracle", "% o-load", "downtime", "avail %", "mach-min",
                                "starts/day", "vs best other (95% CI)");
  out += fmt::format("|{:-<46}|{:->20}|{:->10}|{:->10}|{:->10}|{:->11}|{:->12}|{:->12}|{:->26}|\n", "", "", "", "", "", "", "", "", "");
  const auto pct = [](const std::optional<double>& v) { return v ? fmt::format("{:.1f}", *v) : std::string("-"); };
  for (const auto& s : summaries) {
    const std::string ci = s.profit.has_interval() ? fmt::format("{:.0f} ± {:.0f}", s.profit.mean, s.profit.half_width)
                                                   : fmt::format("{:.0f} (no CI)", s.profit.mean);
    std::string vs = "-";
    if (!s.best_other.empty()) {
      const MeanCi& d = s.diff_vs_best_other;
      vs = d.has_interval() ? fmt::format("{:+.0f} [{:+.0f}, {:+.0f}]", d.mean, d.lo(), d.hi()) : fmt::format("{:+.0f} (no CI)", d.mean);
    }
    out += fmt::format("| {:<44} | {:>18} | {:>8} | {:>8} | {:>8.1f} | {:>9.2f} | {:>10.0f} | {:>10.0f} | {:>24} |\n", s.spec,
                       ci, pct(s.pct_of_oracle), pct(s.pct_of_oracle_load), s.downtime_minutes, 100 * s.availability,
                       s.machine_minutes, s.machine_starts_per_day, vs);
  }
  if (!summaries.empty() && !summaries.front().profit.has_interval()) {
    out += "(one episode: confidence intervals need at least two)\n";
  }
  return out;
}

}  // namespace autoscale
