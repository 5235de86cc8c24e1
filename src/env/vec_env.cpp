#include "env/vec_env.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace autoscale {

namespace {

std::vector<Env> copies(const Env& prototype, int n) {
  if (n < 1) throw Error("the environment pool needs at least one environment");
  std::vector<Env> envs;
  envs.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) envs.emplace_back(prototype);
  return envs;
}

}  // namespace

VecEnv::VecEnv(const Env& prototype, int num_envs, std::uint64_t base_seed, int threads)
    : VecEnv(copies(prototype, num_envs), base_seed, threads) {}

VecEnv::VecEnv(std::vector<Env> envs, std::uint64_t base_seed, int threads)
    : envs_(std::move(envs)), base_seed_(base_seed), obs_dim_(envs_.empty() ? 0 : envs_.front().obs_dim()) {
  if (envs_.empty()) throw Error("the environment pool needs at least one environment");
  for (const Env& e : envs_) {
    if (e.obs_dim() != obs_dim_) throw Error("the environment pool's environments must have the same observation size");
  }
  const auto n = envs_.size();
  const int num_envs = static_cast<int>(n);
  rows_.assign(n, {});
  obs_.assign(n * static_cast<std::size_t>(obs_dim_), 0.0f);
  final_obs_.assign(obs_.size(), 0.0f);
  rewards_.assign(n, 0.0);
  terminated_.assign(n, 0);
  truncated_.assign(n, 0);
  infos_.assign(n, {});
  pool_ = std::make_unique<ThreadPool>(std::clamp(threads, 1, num_envs));
}

Env& VecEnv::begin_episode(std::size_t i) {
  Row& row = rows_[i];
  const auto k = static_cast<std::uint64_t>(row.episodes_started++);
  Env& env = envs_[i];
  env.reset(base_seed_ + i + k * envs_.size());
  row.running = EpisodeMetrics{env.seed()};
  row.history.clear();
  return env;
}

std::vector<std::int64_t> VecEnv::episode_counts() const {
  std::vector<std::int64_t> counts;
  for (const Row& r : rows_) counts.push_back(r.episodes_started);
  return counts;
}

void VecEnv::reset() {
  for (Row& r : rows_) r.episodes_started = 0;
  for (int i = 0; i < num_envs(); ++i) start_episode(i);
}

void VecEnv::reset(std::uint64_t base_seed) {
  base_seed_ = base_seed;
  reset();
}

void VecEnv::reset_to_next_episodes() {
  for (int i = 0; i < num_envs(); ++i) start_episode(i);
}

void VecEnv::start_episode(int i) {
  const auto u = static_cast<std::size_t>(i);
  const Env& e = begin_episode(u);
  const auto obs = e.observation();
  std::copy(obs.begin(), obs.end(), obs_.begin() + static_cast<std::ptrdiff_t>(i) * obs_dim_);
  rows_[u].finished.clear();
  infos_[u] = e.info();
  rewards_[u] = 0;
  terminated_[u] = truncated_[u] = 0;
}

void VecEnv::step(std::span<const Action> actions) {
  if (actions.size() != envs_.size()) throw Error("pool step: one action per environment is required");
  pool_->parallel_for(num_envs(), [&](std::int64_t b, std::int64_t e) { step_range(b, e, actions); });
}

void VecEnv::step_range(std::int64_t begin, std::int64_t end, std::span<const Action> actions) {
  for (std::int64_t i = begin; i < end; ++i) {
    const auto u = static_cast<std::size_t>(i);
    Env& env = envs_[u];
    const StepResult r = env.step(actions[u]);
    Row& episode = rows_[u];
    episode.history.push_back({r.info.add, r.info.remove});
    episode.running.add(r.info, env.params());
    rewards_[u] = r.reward;
    terminated_[u] = r.terminated;
    truncated_[u] = r.truncated;
    infos_[u] = r.info;
    float* row = obs_.data() + i * obs_dim_;
    std::copy(r.observation.begin(), r.observation.end(), row);
    if (r.terminated || r.truncated) {
      std::copy(r.observation.begin(), r.observation.end(), final_obs_.data() + i * obs_dim_);
      episode.running.finish();
      episode.finished.push_back(episode.running);
      const auto obs = begin_episode(u).observation();
      std::copy(obs.begin(), obs.end(), row);
    }
  }
}

void VecEnv::restore(const std::vector<std::int64_t>& counts, const std::vector<std::vector<Action>>& histories,
                     const ReplayHooks& hooks) {
  if (counts.size() != envs_.size() || histories.size() != envs_.size()) {
    throw Error("pool restore: the checkpoint has a different number of environments");
  }
  for (std::size_t i = 0; i < envs_.size(); ++i) {
    if (counts[i] < 1) throw Error("pool restore: bad episode counter");
    rows_[i].episodes_started = counts[i] - 1;
    Env& env = begin_episode(i);
    if (hooks.on_reset) hooks.on_reset(static_cast<int>(i), env);
    rows_[i].finished.clear();
    for (const Action& a : histories[i]) {
      if (hooks.before_step) hooks.before_step(static_cast<int>(i), env);
      const StepResult r = env.step(a);
      if (r.terminated || r.truncated) throw Error("pool restore: replayed history runs past the episode's end");
      rows_[i].running.add(r.info, env.params());
      rows_[i].history.push_back(a);
    }
    const auto obs = env.observation();
    std::copy(obs.begin(), obs.end(), obs_.begin() + static_cast<std::ptrdiff_t>(i) * obs_dim_);
    infos_[i] = env.info();
  }
}

std::vector<EpisodeMetrics> VecEnv::take_finished() {
  std::vector<EpisodeMetrics> out;
  for (Row& r : rows_) {
    out.insert(out.end(), r.finished.begin(), r.finished.end());
    r.finished.clear();
  }
  return out;
}

}  // namespace autoscale
