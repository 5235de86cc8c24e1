#include "pipeline/backtest.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "load/timestamp.hpp"
#include "pipeline/comparison.hpp"
#include "policies/classical.hpp"

namespace autoscale::pipeline {
namespace {

// A part every fold's future has, whatever its specs are called there.
struct Role {
  std::string name;
  std::size_t (*row)(const TraceJobResult&, std::size_t classical);
  std::size_t classical = 0;  // for the classical roles: the index into classical_policy_names()
};

std::vector<Role> roles() {
  std::vector<Role> r{
      {"learned", [](const TraceJobResult& j, std::size_t) { return j.rows.learned; }},
      {"learned's base", [](const TraceJobResult& j, std::size_t) { return j.rows.learned_base; }},
      {"deployed", [](const TraceJobResult& j, std::size_t) { return j.rows.deployed; }},
      {"best classical on the past", [](const TraceJobResult& j, std::size_t) { return j.rows.baseline; }},
  };
  const auto names = classical_policy_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    r.push_back({names[i], [](const TraceJobResult& j, std::size_t c) { return j.rows.classical[c]; }, i});
  }
  r.push_back({"oracle-window:minutes=60", [](const TraceJobResult& j, std::size_t) { return j.rows.window; }});
  r.push_back({"oracle-load", [](const TraceJobResult& j, std::size_t) { return j.rows.oracle_load; }});
  return r;
}

// One role's results over every fold: episodes concatenated, means weighted by episodes.
struct Pooled {
  std::vector<double> profits;
  double revenue = 0, machine_cost = 0, downtime_penalty = 0, downtime_minutes = 0, starts_per_day = 0;
  ElasticityMetrics elasticity;
};

Pooled pool(const std::vector<BacktestFold>& folds, const Role& role) {
  Pooled p;
  double n = 0;
  for (const auto& f : folds) n += static_cast<double>(f.job.future_episodes.plans.size());
  for (const auto& f : folds) {
    const PolicySummary& s = f.job.future[role.row(f.job, role.classical)];
    const double w = static_cast<double>(s.profits.size()) / n;
    p.profits.insert(p.profits.end(), s.profits.begin(), s.profits.end());
    p.revenue += w * s.revenue;
    p.machine_cost += w * s.machine_cost;
    p.downtime_penalty += w * s.downtime_penalty;
    p.downtime_minutes += w * s.downtime_minutes;
    p.starts_per_day += w * s.machine_starts_per_day;
    p.elasticity.under_accuracy += w * s.elasticity.under_accuracy;
    p.elasticity.over_accuracy += w * s.elasticity.over_accuracy;
    p.elasticity.under_timeshare += w * s.elasticity.under_timeshare;
    p.elasticity.over_timeshare += w * s.elasticity.over_timeshare;
    p.elasticity.instability += w * s.elasticity.instability;
  }
  return p;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

}  // namespace

BacktestResult run_backtest(const Scenario& scenario, const BacktestOptions& o, const Log& log) {
  if (scenario.load.kind != LoadKind::kTrace || !scenario.load.series) {
    throw Error(fmt::format("scenario '{}': a backtest needs a trace scenario", scenario.name));
  }
  if (o.folds < 1) throw Error("backtest: at least one fold");
  if (!(o.first_origin > 0 && o.first_origin < 1)) throw Error("backtest: the first origin must be a fraction in (0, 1)");
  const auto t0 = std::chrono::steady_clock::now();
  const auto& series = *scenario.load.series;
  const auto n = static_cast<std::int64_t>(series.tpm.size());
  const auto first = static_cast<std::int64_t>(std::floor(o.first_origin * static_cast<double>(n)));
  const std::int64_t length = (n - first) / o.folds;
  const auto when = [&](std::int64_t minute) {
    return series.start_epoch_seconds ? format_utc((*series.start_epoch_seconds + 60 * minute) * 1000)
                                      : fmt::format("minute {}", minute);
  };
  if (length < o.scored_minutes) {
    throw Error(fmt::format("scenario '{}': {} folds over minutes {}..{} give futures of {} minutes, shorter than one "
                            "scored day ({} minutes): use fewer --folds or an earlier --first-origin",
                            scenario.name, o.folds, first, n, length, o.scored_minutes));
  }
  BacktestResult result;
  for (int k = 0; k < o.folds; ++k) {
    BacktestFold f;
    f.origin = first + k * length;
    f.end = k + 1 == o.folds ? n : f.origin + length;
    log(fmt::format("=== fold {} of {}: past {} .. {}, future {} .. {}\n\n", k + 1, o.folds, when(0), when(f.origin - 1),
                    when(f.origin), when(f.end - 1)));
    const TraceSplit split = split_trace_at(scenario, f.origin, f.end, o.history_minutes, o.scored_minutes);
    TraceJobOptions job = o.job;
    job.out = o.job.out / fmt::format("fold-{}", k + 1);
    f.job = run_trace_job(split, job, log);
    result.folds.push_back(std::move(f));
  }

  // Pool the folds: every role against the classical policy best on each fold's own past.
  std::vector<int> clusters;  // the future day of every pooled episode, numbered across folds
  int offset = 0;
  for (const auto& f : result.folds) {
    for (const int t : f.job.future_episodes.tile) clusters.push_back(offset + t);
    offset += f.job.future_episodes.tiles();
  }
  const auto all = roles();
  const Pooled baseline = pool(result.folds, all[3]);
  const Pooled window = pool(result.folds, all[all.size() - 2]);
  nlohmann::json pooled = nlohmann::json::array();
  std::string table = fmt::format(
      "| {:<28} | {:>8} | {:>8} | {:>8} | {:>8} | {:>8} | {:>10} | {:>26} | {:>16} | {:>9} | {:>8} |\n", "policy (pooled)",
      "profit", "revenue", "machines", "downtime", "down min", "starts/day", "vs best on past, per day", "day bootstrap",
      "wins", "worst");
  table += fmt::format("|{:-<30}|{:->10}|{:->10}|{:->10}|{:->10}|{:->10}|{:->12}|{:->28}|{:->18}|{:->11}|{:->10}|\n", "", "", "",
                       "", "", "", "", "", "", "", "");
  for (const Role& role : all) {
    const Pooled p = pool(result.folds, role);
    const Comparison c = compare(role.name, p.profits, all[3].name, baseline.profits, clusters);
    nlohmann::json j = {{"role", role.name},
                        {"mean_profit", mean(p.profits)},
                        {"revenue", p.revenue},
                        {"machine_cost", p.machine_cost},
                        {"downtime_penalty", p.downtime_penalty},
                        {"downtime_minutes", p.downtime_minutes},
                        {"machine_starts_per_day", p.starts_per_day},
                        {"elasticity", to_json(p.elasticity)},
                        {"vs_best_classical_on_the_past", to_json(c)},
                        {"episode_profits", p.profits}};
    const auto gap = gap_closed_pct(c, mean(baseline.profits), mean(window.profits));
    j["gap_closed_pct_to_oracle_window_60"] = gap ? nlohmann::json(*gap) : nlohmann::json(nullptr);
    pooled.push_back(j);
    const MeanCi& d = c.by_cluster;
    table += fmt::format(
        "| {:<28} | {:>8.0f} | {:>8.0f} | {:>8.0f} | {:>8.0f} | {:>8.2f} | {:>10.0f} | {:>26} | {:>16} | {:>9} | {:>8.0f} |\n",
        role.name, mean(p.profits), p.revenue, p.machine_cost, p.downtime_penalty, p.downtime_minutes, p.starts_per_day,
        d.has_interval() ? fmt::format("{:+.0f} [{:+.0f}, {:+.0f}]", d.mean, d.lo(), d.hi()) : fmt::format("{:+.0f}", d.mean),
        fmt::format("[{:+.0f}, {:+.0f}]", c.bootstrap.lo, c.bootstrap.hi), fmt::format("{}/{}", c.wins, c.episodes),
        c.worst_episode_diff);
  }

  nlohmann::json folds = nlohmann::json::array();
  std::string per_fold = fmt::format("| {:>4} | {:<20} | {:<20} | {:>4} | {:<36} | {:<8} | {:>22} | {:>22} |\n", "fold",
                                     "future from", "to", "days", "best classical on the past", "deployed",
                                     "learned - best, per day", "deployed - best");
  per_fold += fmt::format("|{:->6}|{:-<22}|{:-<22}|{:->6}|{:-<38}|{:-<10}|{:->24}|{:->24}|\n", "", "", "", "", "", "", "", "");
  for (std::size_t k = 0; k < result.folds.size(); ++k) {
    const auto& f = result.folds[k];
    const auto& v = f.job.verdict;
    folds.push_back({{"fold", k + 1},
                     {"future_from", when(f.origin)},
                     {"future_to", when(f.end - 1)},
                     {"days", f.job.future_episodes.tiles()},
                     {"verdict", v}});
    const auto ci = [](const nlohmann::json& c) {
      const double m = c["diff_mean"].get<double>();
      return c["diff_ci95"].is_array()
                 ? fmt::format("{:+.0f} [{:+.0f}, {:+.0f}]", m, c["diff_ci95"][0].get<double>(), c["diff_ci95"][1].get<double>())
                 : fmt::format("{:+.0f}", m);
    };
    const std::string base = v["baseline"].get<std::string>();
    per_fold += fmt::format("| {:>4} | {:<20} | {:<20} | {:>4} | {:<36} | {:<8} | {:>22} | {:>22} |\n", k + 1, when(f.origin),
                            when(f.end - 1), f.job.future_episodes.tiles(), base.substr(0, 36),
                            v["deployed_role"].get<std::string>(), ci(v["learned_vs_baseline"]), ci(v["deployed_vs_baseline"]));
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log(fmt::format("=== backtest of '{}': {} folds, {} future days in all ({:.0f} s)\n\n{}\n{}\n", scenario.name, o.folds, offset,
                  secs, per_fold, table));
  result.pooled = pooled;
  const nlohmann::json doc = {{"scenario", scenario.name},
                              {"folds", folds},
                              {"pooled", pooled},
                              {"days", offset},
                              {"episodes", clusters.size()},
                              {"episode_day", clusters},
                              {"seconds", secs}};
  write_file_atomic(o.job.out / "backtest.json", doc.dump(2) + "\n");
  return result;
}

}  // namespace autoscale::pipeline
