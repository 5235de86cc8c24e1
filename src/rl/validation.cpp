#include "rl/validation.hpp"

#include <algorithm>
#include <memory>
#include <numeric>
#include <vector>

#include "core/thread_pool.hpp"
#include "policies/run_episode.hpp"
#include "rl/learned_policy.hpp"

namespace autoscale::rl {

double validate(const Agent& agent, const Scenario& scenario, std::uint64_t first_seed, int episodes, int threads) {
  if (episodes <= 0) return 0;
  auto shared = std::make_shared<const Agent>(agent);
  std::vector<double> profit(static_cast<std::size_t>(episodes));
  const Env prototype = scenario.make_env();
  ThreadPool pool(std::max(1, std::min(threads, episodes)));
  pool.parallel_for(episodes, [&](std::int64_t b, std::int64_t e) {
    Env env(prototype);
    LearnedPolicy policy(shared, scenario.service);
    for (auto i = b; i < e; ++i) {
      profit[static_cast<std::size_t>(i)] = run_episode(env, policy, first_seed + static_cast<std::uint64_t>(i)).profit;
    }
  });
  return std::accumulate(profit.begin(), profit.end(), 0.0) / episodes;
}

}  // namespace autoscale::rl
