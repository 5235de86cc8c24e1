#include "policies/run_episode.hpp"

namespace autoscale {

EpisodeMetrics run_episode(Env& env, Policy& policy, std::uint64_t seed, const MinuteObserver& on_minute) {
  EpisodeMetrics m;
  m.seed = seed;
  env.reset(seed);
  policy.reset(env);
  for (;;) {
    const StepResult r = env.step(policy.act(env));
    m.add(r.info, env.params());
    if (on_minute) on_minute(r.info);
    if (r.terminated || r.truncated) break;
  }
  m.finish();
  return m;
}

}  // namespace autoscale
