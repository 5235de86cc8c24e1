#include "eval/episode.hpp"

#include <fmt/format.h>

#include <atomic>

#include "core/thread_pool.hpp"

namespace autoscale {

nlohmann::json to_json(const EpisodeMetrics& m) {
  return {{"seed", m.seed},
          {"profit", m.profit},
          {"minutes", m.minutes},
          {"downtime_minutes", m.downtime_minutes},
          {"availability", m.availability},
          {"machine_minutes", m.machine_minutes},
          {"load", m.load},
          {"served", m.served},
          {"failed", m.failed}};
}

EpisodeMetrics run_episode(Env& env, Policy& policy, std::uint64_t seed, std::string* trace_csv, int episode_index) {
  EpisodeMetrics m;
  m.seed = seed;
  env.reset(seed);
  policy.reset(env);
  for (;;) {
    const StepResult r = env.step(policy.act(env));
    const StepInfo& i = r.info;
    m.add(i);
    if (trace_csv) {
      fmt::format_to(std::back_inserter(*trace_csv), "{},{},{},{},{},{},{},{},{},{},{:.4f}\n", episode_index, i.minute,
                     i.load, i.capacity, i.active, i.warming, i.failed, int(i.down), i.add, i.remove, i.reward);
    }
    if (r.terminated || r.truncated) break;
  }
  m.finish();
  return m;
}

std::vector<PolicyRun> run_policies(const Scenario& scenario, const std::vector<PolicySpec>& policies,
                                    std::uint64_t first_seed, int episodes, int threads, bool want_trace) {
  std::vector<PolicyRun> runs(policies.size());
  for (std::size_t p = 0; p < policies.size(); ++p) {
    runs[p].spec = policies[p].text;
    runs[p].episodes.resize(static_cast<std::size_t>(episodes));
  }
  std::vector<std::string> traces(want_trace ? policies.size() * static_cast<std::size_t>(episodes) : 0);
  const Env prototype = scenario.make_env();
  const std::int64_t jobs = static_cast<std::int64_t>(policies.size()) * episodes;
  const int workers = std::max(1, std::min<int>(threads, static_cast<int>(jobs)));
  ThreadPool pool(workers);
  // One job = one (policy, episode) pair, handed out in order to whichever thread is free (an
  // oracle episode costs 100x a rule's); each thread keeps its own environment copy.
  std::atomic<std::int64_t> next_job{0};
  pool.parallel_for(workers, [&](std::int64_t, std::int64_t) {
    Env env(prototype);
    for (std::int64_t j = next_job++; j < jobs; j = next_job++) {
      const auto p = static_cast<std::size_t>(j / episodes);
      const auto e = static_cast<std::size_t>(j % episodes);
      auto policy = make_policy(policies[p], scenario);
      std::string* trace = want_trace ? &traces[j] : nullptr;
      runs[p].episodes[e] = run_episode(env, *policy, first_seed + e, trace, static_cast<int>(e));
    }
  });
  if (want_trace) {
    for (std::size_t p = 0; p < policies.size(); ++p) {
      for (int e = 0; e < episodes; ++e) runs[p].trace_csv += traces[p * static_cast<std::size_t>(episodes) + static_cast<std::size_t>(e)];
    }
  }
  return runs;
}

}  // namespace autoscale
