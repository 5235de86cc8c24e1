#include "eval/run_policies.hpp"

#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <optional>

#include "core/error.hpp"
#include "core/thread_pool.hpp"
#include "eval/policy_factory.hpp"
#include "policies/run_episode.hpp"

namespace autoscale {

nlohmann::json to_json(const ElasticityMetrics& m) {
  return {{"under_provisioning_accuracy_pct", m.under_accuracy},
          {"over_provisioning_accuracy_pct", m.over_accuracy},
          {"under_provisioning_timeshare_pct", m.under_timeshare},
          {"over_provisioning_timeshare_pct", m.over_timeshare},
          {"instability_pct", m.instability}};
}

nlohmann::json to_json(const EpisodeMetrics& m) {
  return {{"seed", m.seed},
          {"profit", m.profit},
          {"minutes", m.minutes},
          {"downtime_minutes", m.downtime_minutes},
          {"availability", m.availability},
          {"machine_minutes", m.machine_minutes},
          {"load", m.load},
          {"served", m.served},
          {"failed", m.failed},
          {"revenue", m.revenue},
          {"machine_cost", m.machine_cost},
          {"downtime_penalty", m.downtime_penalty},
          {"machine_starts", m.machine_starts},
          {"elasticity", to_json(m.elasticity)}};
}

std::vector<PolicyRun> run_policies(const Scenario& scenario, const std::vector<PolicySpec>& policies,
                                    std::uint64_t first_seed, int episodes, int threads, MinuteTraceWriter* traces) {
  std::vector<EpisodePlan> plans(static_cast<std::size_t>(std::max(episodes, 0)));
  for (std::size_t e = 0; e < plans.size(); ++e) plans[e].seed = first_seed + e;
  return run_policies(scenario, policies, plans, threads, traces);
}

std::vector<PolicyRun> run_policies(const Scenario& scenario, const std::vector<PolicySpec>& policies,
                                    const std::vector<EpisodePlan>& plans, int threads, MinuteTraceWriter* traces) {
  const int episodes = static_cast<int>(plans.size());
  for (const auto& plan : plans) {
    if (plan.trace_start >= 0 && scenario.load.kind != LoadKind::kTrace) {
      throw Error(fmt::format("scenario '{}': an episode's window start needs a trace scenario", scenario.name));
    }
  }
  std::vector<PolicyRun> runs(policies.size());
  std::vector<std::string> fields(policies.size());
  for (std::size_t p = 0; p < policies.size(); ++p) {
    runs[p].spec = policies[p].text;
    runs[p].kind = policy_kind(policies[p]);
    runs[p].episodes.resize(static_cast<std::size_t>(episodes));
    fields[p] = MinuteTraceWriter::policy_field(policies[p].text);
  }
  const Env prototype = scenario.make_env();
  const std::int64_t jobs = static_cast<std::int64_t>(policies.size()) * episodes;
  const int workers = std::max(1, std::min<int>(threads, static_cast<int>(jobs)));
  ThreadPool pool(workers);
  // One job = one (policy, episode) pair, handed out in order to whichever thread is free (an
  // oracle episode costs 100x a rule's); each thread keeps its own environment copy.
  std::atomic<std::int64_t> next_job{0};
  std::mutex counters_mu;
  const auto add_counters = [&](std::size_t p, const Policy& policy) {
    const auto c = policy.counters();
    if (c.empty()) return;
    std::lock_guard lock(counters_mu);
    auto& total = runs[p].counters;
    if (total.empty()) {
      for (const auto& [name, v] : c) total.push_back({name, 0});
    }
    for (std::size_t k = 0; k < c.size() && k < total.size(); ++k) total[k].second += c[k].second;
  };
  pool.parallel_for(workers, [&](std::int64_t, std::int64_t) {
    Env shared(prototype);
    for (std::int64_t j = next_job++; j < jobs; j = next_job++) {
      const auto p = static_cast<std::size_t>(j / episodes);
      const int e = static_cast<int>(j % episodes);
      const EpisodePlan& plan = plans[static_cast<std::size_t>(e)];
      const std::uint64_t seed = plan.seed;
      try {
        // An episode with a window of its own gets an environment replaying that window.
        std::optional<Env> own;
        if (plan.trace_start >= 0) {
          Scenario windowed = scenario;
          windowed.load.trace_start = plan.trace_start;
          own.emplace(windowed.make_env());
        }
        Env& env = own ? *own : shared;
        auto policy = make_policy(policies[p], scenario);
        if (traces && traces->keeps(e)) {
          std::string rows;
          runs[p].episodes[static_cast<std::size_t>(e)] = run_episode(env, *policy, seed, [&](const StepInfo& i) {
            MinuteTraceWriter::format_row(rows, fields[p], e, i);
          });
          traces->submit(static_cast<int>(p), e, std::move(rows));
        } else {
          runs[p].episodes[static_cast<std::size_t>(e)] = run_episode(env, *policy, seed);
        }
        add_counters(p, *policy);
      } catch (const Error& err) {
        throw Error(fmt::format("policy '{}', episode seed {}: {}", policies[p].text, seed, err.what()));
      }
    }
  });
  return runs;
}

}  // namespace autoscale
