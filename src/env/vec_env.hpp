#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/thread_pool.hpp"
#include "env/env.hpp"
#include "env/episode_metrics.hpp"

namespace autoscale {

// N copies of an environment stepped together into preallocated batch arrays (EnvPool's layout:
// env-major rows), split across a thread pool. An environment whose episode ends is reset at once
// (auto-reset): its row of `observations()` then holds the new episode's first observation and
// `final_observations()` the last one of the old episode (PPO bootstraps from it on truncation).
// Env i's k-th episode has seed base_seed + i + k * N, so results never depend on the thread count.
class VecEnv {
 public:
  VecEnv(const Env& prototype, int num_envs, std::uint64_t base_seed, int threads);
  // Environments of different services (a training mix), all with the same observation size.
  VecEnv(std::vector<Env> envs, std::uint64_t base_seed, int threads);

  // Starts every environment's first episode (env i: seed base_seed + i); the overload first moves
  // the base seed (Gymnasium's reset(seed=s) seeds env i with s + i, the same schedule).
  void reset();
  void reset(std::uint64_t base_seed);
  // Abandons the running episodes and starts each environment's next one in the seed schedule
  // (a Gymnasium reset without a seed continues the seeded stream instead of repeating it).
  void reset_to_next_episodes();
  void step(std::span<const Action> actions);

  int num_envs() const { return static_cast<int>(envs_.size()); }
  int obs_dim() const { return obs_dim_; }
  std::span<const float> observations() const { return obs_; }
  std::span<const float> final_observations() const { return final_obs_; }
  std::span<const double> rewards() const { return rewards_; }
  std::span<const std::uint8_t> terminated() const { return terminated_; }
  std::span<const std::uint8_t> truncated() const { return truncated_; }
  std::span<const StepInfo> infos() const { return infos_; }  // an ended env's row: its final minute
  std::uint64_t base_seed() const { return base_seed_; }
  const Env& env(int i) const { return envs_[static_cast<std::size_t>(i)]; }
  ThreadPool& pool() { return *pool_; }

  // Episodes finished since the last call, in env order within each step.
  std::vector<EpisodeMetrics> take_finished();

  // For exact checkpoints: each env's episode counter and the actions of its current episode.
  // restore() resets every env to its current episode's seed and replays those actions, which
  // rebuilds its whole state (load and capacity streams never depend on actions).
  std::vector<std::int64_t> episode_counts() const;
  const std::vector<Action>& history(int i) const { return rows_[static_cast<std::size_t>(i)].history; }
  // Whoever keeps per-environment state alongside the pool (a controller inside the policy) can
  // follow the replay: on_reset(i, env) after env i is reset, before_step(i, env) before each
  // replayed step.
  struct ReplayHooks {
    std::function<void(int, const Env&)> on_reset, before_step;
  };
  void restore(const std::vector<std::int64_t>& counts, const std::vector<std::vector<Action>>& histories,
               const ReplayHooks& hooks = {});

 private:
  void step_range(std::int64_t begin, std::int64_t end, std::span<const Action> actions);
  // Env i's next episode in the seed schedule: resets the env and its row's bookkeeping (the one
  // place that does, for a first episode, an auto-reset and a restore alike); returns the env.
  Env& begin_episode(std::size_t i);
  void start_episode(int i);

  std::vector<Env> envs_;
  // One environment's episode bookkeeping, a row of the batch (EnvPool's per-env state).
  struct Row {
    std::int64_t episodes_started = 0;  // the k of its next seed, base + i + k * num_envs
    EpisodeMetrics running;             // the current episode's totals
    std::vector<Action> history;        // the current episode's actions (for exact checkpoints)
    std::vector<EpisodeMetrics> finished;  // finished since take_finished()
  };
  std::vector<Row> rows_;
  std::uint64_t base_seed_;
  int obs_dim_;
  std::vector<float> obs_, final_obs_;
  std::vector<double> rewards_;
  std::vector<std::uint8_t> terminated_, truncated_;
  std::vector<StepInfo> infos_;
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace autoscale
