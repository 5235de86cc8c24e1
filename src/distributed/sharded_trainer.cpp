// Data-parallel PPO over shards of the environment pool (sharded_trainer.hpp for the scheme). The
// order of a single update reads like rl/ppo.cpp's: rollout, advantages, minibatch updates, log,
// validate, checkpoint; what differs is where shards meet: merge_rollout_stats(), the advantage
// statistics of each epoch, reduce_gradients() and the gathered checkpoint.
#include "distributed/sharded_trainer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <numeric>
#include <sstream>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/rng.hpp"
#include "core/seed_ranges.hpp"
#include "core/thread_pool.hpp"
#include "distributed/fixed_point.hpp"
#include "distributed/sharded_checkpoint.hpp"
#include "env/vec_env.hpp"
#include "rl/adam.hpp"
#include "rl/agent.hpp"
#include "rl/base_controller.hpp"
#include "rl/decision.hpp"
#include "rl/gae.hpp"
#include "rl/optimizer.hpp"
#include "rl/ppo_loss.hpp"
#include "rl/validation.hpp"
#include "service/outcome.hpp"

namespace autoscale::distributed {

using Eigen::Index;
using Eigen::MatrixXf;
using Eigen::VectorXf;
using Actions = Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>;
using rl::Agent;
using rl::PpoConfig;
using rl::ProgressRow;
using rl::TrainResult;

int default_shards(const PpoConfig& c) { return std::max(1, c.num_envs); }

namespace {

std::string mix_names(const std::vector<WeightedScenario>& mix) {
  std::string s;
  for (const auto& m : mix) s += (s.empty() ? "" : "+") + m.scenario.name;
  return s;
}

// Episodes one environment may draw: every env finishes at most steps / envs / (shortest
// episode) episodes and starts one more (rl/ppo.cpp's bound). The whole range, envs times this,
// is checked against the reserved seed ranges as rl::train checks its own.
std::int64_t episodes_per_env(const rl::TrainOptions& o) {
  std::int64_t shortest = std::numeric_limits<std::int64_t>::max();
  for (const auto& s : o.scenarios) shortest = std::min<std::int64_t>(shortest, s.scenario.service.episode_steps());
  const std::int64_t envs = std::max(1, o.config.num_envs);
  const std::int64_t per_env = o.total_steps / envs / std::max<std::int64_t>(1, shortest) + 2;
  seeds::check_training_seeds(o.seed, static_cast<std::uint64_t>(per_env * envs), o.config.validation_seed,
                              static_cast<std::uint64_t>(std::max(0, o.config.validation_episodes)));
  return per_env;
}

// Chan et al.'s merge of a batch's count, mean and (population) variance into running statistics,
// the update RunningMeanStd::update applies to one batch.
void merge_stats(rl::RunningMeanStd& s, double n, const double* bmean, const double* bvar) {
  if (n == 0) return;
  Eigen::VectorXd mean = s.mean(), var = s.var();
  const double count = s.count(), total = count + n;
  for (Index i = 0; i < mean.size(); ++i) {
    const double delta = bmean[i] - mean(i);
    mean(i) += delta * (n / total);
    var(i) = (var(i) * count + bvar[i] * n + delta * delta * (count * n / total)) / total;
  }
  s.set(std::move(mean), std::move(var), total);
}

// One shard: its environments, random streams, running returns, rollout storage (step-major
// within the shard: sample k = t * envs + j) and the network replicas its gradient partials are
// computed on.
struct Shard {
  Shard(int index_, int first_env_, std::vector<Env> envs, std::uint64_t base_seed, const Agent& agent, const PpoConfig& c,
        std::uint64_t seed)
      : index(index_),
        first_env(first_env_),
        num_envs(static_cast<int>(envs.size())),
        pool(std::move(envs), base_seed, 1),
        shuffle_rng(make_stream(seed, Stream::kMinibatchShuffle, static_cast<std::uint64_t>(index_))),
        dist(agent.head_sizes),
        actor(agent.actor),
        critic(agent.critic) {
    for (int j = 0; j < num_envs; ++j) {
      // Keyed by the environment's place in the whole pool, as rl::train keys env i's stream.
      env_rng.emplace_back(make_stream(seed, Stream::kActionSampling, static_cast<std::uint64_t>(first_env + j)));
      base.emplace_back(c.action, pool.env(j).params());
    }
    ret_running.assign(static_cast<std::size_t>(num_envs), 0.0);
    const Index b = static_cast<Index>(num_envs) * c.rollout_steps, heads = static_cast<Index>(agent.head_sizes.size());
    raw_obs.resize(agent.obs_dim, b);
    obs.resize(agent.obs_dim, b);
    actions.resize(heads, b);
    for (VectorXf* v : {&logp, &values, &final_values, &rewards, &adv, &ret}) v->resize(b);
    raw_rewards.resize(static_cast<std::size_t>(b));
    returns_seen.resize(static_cast<std::size_t>(b));
    terminated.resize(static_cast<std::size_t>(b));
    truncated.resize(static_cast<std::size_t>(b));
    done.resize(static_cast<std::size_t>(b));
    uniforms.resize(heads, num_envs);
    env_actions.resize(static_cast<std::size_t>(num_envs));
    perm.resize(static_cast<std::size_t>(b));
    pool.reset();
    for (int j = 0; j < num_envs; ++j) base[static_cast<std::size_t>(j)].reset(pool.env(j));
  }

  ShardState state() const {
    ShardState s;
    s.index = index;
    for (const auto& r : env_rng) s.env_rngs.push_back(r.state());
    s.shuffle_rng = shuffle_rng.state();
    s.return_running = ret_running;
    s.episode_counts = pool.episode_counts();
    for (int j = 0; j < num_envs; ++j) s.histories.push_back(pool.history(j));
    return s;
  }

  void restore(const ShardState& s, const std::string& source) {
    if (s.index != index || static_cast<int>(s.env_rngs.size()) != num_envs ||
        static_cast<int>(s.return_running.size()) != num_envs || static_cast<int>(s.episode_counts.size()) != num_envs ||
        static_cast<int>(s.histories.size()) != num_envs) {
      throw Error(fmt::format("{}: shard {}'s state does not match its {} environments", source, index, num_envs));
    }
    for (int j = 0; j < num_envs; ++j) env_rng[static_cast<std::size_t>(j)].set_state(s.env_rngs[static_cast<std::size_t>(j)]);
    shuffle_rng.set_state(s.shuffle_rng);
    ret_running = s.return_running;
    pool.restore(s.episode_counts, s.histories,
                 {[&](int j, const Env& env) { base[static_cast<std::size_t>(j)].reset(env); },
                  [&](int j, const Env& env) { base[static_cast<std::size_t>(j)].observe(env); }});
  }

  int index, first_env, num_envs;
  VecEnv pool;
  std::vector<Rng> env_rng;
  std::vector<rl::BaseController> base;
  Rng shuffle_rng;
  std::vector<double> ret_running;

  MatrixXf raw_obs, obs;
  Actions actions;
  VectorXf logp, values, final_values, rewards, adv, ret, last_values;
  std::vector<double> raw_rewards, returns_seen;
  std::vector<std::uint8_t> terminated, truncated, done;
  double profit_sum = 0, profit_count = 0;

  MatrixXf logits, step_values, uniforms, final_obs, next_obs;
  std::vector<Action> env_actions;
  rl::Mlp<float>::Workspace ws;
  rl::MultiCategorical<float> dist;

  rl::Mlp<float> actor, critic;
  std::vector<Index> perm;
  MatrixXf mb_obs, d_logits, d_values;
  Actions mb_actions;
  VectorXf mb_logp, mb_adv, mb_ret;
  rl::PpoLossTerms terms;  // summed over the update's minibatches
};

// A test hook: AUTOSCALE_TEST_KILL_RANK="R:U" makes rank R kill itself (SIGKILL, as a lost node)
// right after update U (1-based), to test that a job with a lost rank fails and resumes.
struct KillHook {
  int rank = -1;
  std::int64_t update = -1;
  static KillHook from_env() {
    KillHook h;
    if (const char* v = std::getenv("AUTOSCALE_TEST_KILL_RANK")) {
      if (std::sscanf(v, "%d:%ld", &h.rank, &h.update) != 2) throw ConsistentError(fmt::format("AUTOSCALE_TEST_KILL_RANK='{}' is not RANK:UPDATE", v));
    }
    return h;
  }
};

class ShardedTrainer {
 public:
  ShardedTrainer(const ShardedTrainOptions& o, Communicator& comm);
  TrainResult run(const std::function<void(const ProgressRow&)>& on_progress);

 private:
  template <typename F>
  void for_local_shards(F&& f) {
    threads_.parallel_for(static_cast<std::int64_t>(shards_.size()), [&](std::int64_t b, std::int64_t e) {
      for (auto s = b; s < e; ++s) f(*shards_[static_cast<std::size_t>(s)]);
    });
  }
  // Every shard fills `len` doubles; returns all K blocks in shard order, on every rank.
  template <typename F>
  std::vector<double> gather_blocks(std::size_t len, F&& fill) {
    std::vector<double> mine(len * shards_.size()), all(len * static_cast<std::size_t>(k_));
    for_local_shards([&](Shard& s) { fill(s, std::span<double>(mine.data() + len * local_index(s), len)); });
    comm_.allgather(mine, all);
    return all;
  }
  std::size_t local_index(const Shard& s) const { return static_cast<std::size_t>(s.index - first_shard_); }

  void rollout_shard(Shard& s) const;
  void merge_rollout_stats();
  ProgressRow update();
  void reduce_gradients();
  double validation_profit() const;
  void write_checkpoint(double seconds);
  void resume();

  const rl::TrainOptions& o_;
  const PpoConfig c_;
  Communicator& comm_;
  const int k_, envs_per_shard_, first_shard_;
  ThreadPool threads_;
  Agent agent_;
  rl::NetworkOptimizer actor_opt_, critic_opt_;
  rl::RunningMeanStd return_stats_{1};
  std::vector<std::unique_ptr<Shard>> shards_;  // this rank's, in shard order
  std::int64_t iterations_ = 0, iteration_ = 0, steps_ = 0;
  double seconds_before_ = 0;
  std::optional<double> best_validation_;
  std::int64_t next_validation_ = 0, next_checkpoint_ = 0;
  std::optional<double> train_profit_;
  std::vector<std::int64_t> grad_sum_;
  KillHook kill_;
};

// The checks every rank makes alike before any communication.
void check_options(const ShardedTrainOptions& so, int ranks) {
  const rl::TrainOptions& o = so.train;
  const PpoConfig& c = o.config;
  rl::check_ppo_config(c, "training config");
  const int k = so.shards;
  if (k < 1) throw ConsistentError(fmt::format("--shards {} must be at least 1", k));
  if (c.num_envs % k != 0) {
    throw ConsistentError(fmt::format("--shards {} must divide the config's num_envs = {} (each shard steps num_envs / "
                                      "shards environments)",
                                      k, c.num_envs));
  }
  if (k % ranks != 0) {
    std::vector<int> fits;
    for (int r = 1; r <= k; ++r)
      if (k % r == 0) fits.push_back(r);
    throw ConsistentError(fmt::format("{} ranks cannot split {} shards evenly: the rank count must divide --shards "
                                      "(mpirun -np one of {}, or another --shards)",
                                      ranks, k, fmt::join(fits, ", ")));
  }
  const std::int64_t per_shard = static_cast<std::int64_t>(c.num_envs / k) * c.rollout_steps;
  if (per_shard % c.minibatches != 0) {
    throw ConsistentError(fmt::format("minibatches = {} must divide each shard's rollout (rollout_steps * num_envs / "
                                      "shards = {} samples): each minibatch takes an equal slice of every shard",
                                      c.minibatches, per_shard));
  }
  if (o.total_steps < c.batch_size()) {
    throw ConsistentError(fmt::format("--steps {} is below one rollout batch (num_envs * rollout_steps = {})", o.total_steps,
                                      c.batch_size()));
  }
  if (o.scenarios.empty()) throw ConsistentError("training needs at least one scenario");
}

ShardedTrainer::ShardedTrainer(const ShardedTrainOptions& so, Communicator& comm)
    : o_(so.train),
      c_(so.train.config),
      comm_(comm),
      k_(so.shards),
      envs_per_shard_(c_.num_envs / so.shards),
      first_shard_(comm.rank() * (so.shards / comm.size())),
      threads_(std::max(1, so.train.threads)),
      actor_opt_(c_.optimizer, 1, static_cast<float>(c_.learning_rate)),
      critic_opt_(c_.optimizer, 1, static_cast<float>(c_.learning_rate)),
      kill_(KillHook::from_env()) {
  const std::int64_t per_env = episodes_per_env(o_);
  const std::uint64_t seed_base = seeds::training_seed_base(o_.seed);
  // The mix's environments in pool order (split_by_weight, as rl::train lays them out).
  const std::vector<int> counts = split_by_weight(o_.scenarios, c_.num_envs);
  std::vector<int> scenario_of;
  for (std::size_t s = 0; s < counts.size(); ++s) scenario_of.insert(scenario_of.end(), static_cast<std::size_t>(counts[s]), static_cast<int>(s));
  std::vector<std::unique_ptr<Env>> prototypes(o_.scenarios.size());
  const auto prototype = [&](int s) -> const Env& {
    auto& p = prototypes[static_cast<std::size_t>(s)];
    if (!p) {
      const Scenario& sc = o_.scenarios[static_cast<std::size_t>(s)].scenario;
      p = std::make_unique<Env>(sc.service, sc.make_load(), c_.features);
    }
    return *p;
  };
  const Env& first = prototype(scenario_of.front());
  const auto heads = c_.action.head_sizes(o_.scenarios.front().scenario.service);
  for (const auto& s : o_.scenarios) {
    if (c_.action.head_sizes(s.scenario.service) != heads) {
      throw ConsistentError(fmt::format("scenario '{}' needs other action heads than '{}' (max_machine_delta differs); a "
                                        "model can only learn from scenarios that share its action space",
                                        s.scenario.name, o_.scenarios.front().scenario.name));
    }
  }
  agent_ = Agent(c_.features, c_.action, first.obs_dim(), heads, c_.hidden, c_.normalize_obs,
                 stream_seed(o_.seed, Stream::kInitialization));
  agent_.guardrail = c_.guardrail;
  agent_.info = {{"scenario", mix_names(o_.scenarios)},
                 {"seed", o_.seed},
                 {"algorithm", to_string(c_.algorithm)},
                 {"preset", c_.preset},
                 {"shards", k_}};
  actor_opt_ = rl::NetworkOptimizer(c_.optimizer, agent_.actor.num_params(), static_cast<float>(c_.learning_rate));
  critic_opt_ = rl::NetworkOptimizer(c_.optimizer, agent_.critic.num_params(), static_cast<float>(c_.learning_rate));
  const int local = k_ / comm_.size();
  for (int s = first_shard_; s < first_shard_ + local; ++s) {
    const int first_env = s * envs_per_shard_;
    std::vector<Env> envs;
    for (int j = 0; j < envs_per_shard_; ++j) envs.push_back(prototype(scenario_of[static_cast<std::size_t>(first_env + j)]));
    // Shard s's env j, episode k: seed base + s * envs_per_shard * per_env + j + k * envs_per_shard,
    // inside the checked range base .. base + num_envs * per_env.
    const std::uint64_t base = seed_base + static_cast<std::uint64_t>(s) * static_cast<std::uint64_t>(envs_per_shard_ * per_env);
    shards_.push_back(std::make_unique<Shard>(s, first_env, std::move(envs), base, agent_, c_, o_.seed));
  }
  iterations_ = std::max<std::int64_t>(1, o_.total_steps / c_.batch_size());
  grad_sum_.resize(static_cast<std::size_t>(agent_.actor.num_params() + agent_.critic.num_params()));
}

// One shard's rollout with the observation statistics fixed at the last update's.
void ShardedTrainer::rollout_shard(Shard& s) const {
  const int n = s.num_envs;
  const Index dim = agent_.obs_dim;
  for (int t = 0; t < c_.rollout_steps; ++t) {
    const Index col = static_cast<Index>(t) * n;
    s.raw_obs.middleCols(col, n) = Eigen::Map<const MatrixXf>(s.pool.observations().data(), dim, n);
    auto obs = s.obs.middleCols(col, n);
    agent_.normalize(s.raw_obs.middleCols(col, n), obs);
    agent_.actor.infer(obs, s.logits, s.ws);
    for (int j = 0; j < n; ++j) {
      for (Index h = 0; h < s.uniforms.rows(); ++h) s.uniforms(h, j) = static_cast<float>(s.env_rng[static_cast<std::size_t>(j)].uniform());
    }
    s.dist.sample(s.logits, s.uniforms, s.actions.middleCols(col, n), s.logp.segment(col, n));
    agent_.critic.infer(obs, s.step_values, s.ws);
    s.values.segment(col, n) = s.step_values.row(0).transpose();
    for (int j = 0; j < n; ++j) {
      const Env& env = s.pool.env(j);
      rl::BaseController& base = s.base[static_cast<std::size_t>(j)];
      base.observe(env);
      s.env_actions[static_cast<std::size_t>(j)] =
          rl::decide(agent_.action, agent_.guardrail, rl::Stage::kTraining, &s.actions(0, col + j), env, env.features(), base).action;
    }
    s.pool.step(s.env_actions);
    for (int j = 0; j < n; ++j) {
      const auto u = static_cast<std::size_t>(j);
      const auto k = static_cast<std::size_t>(col + j);
      const StepInfo& info = s.pool.infos()[u];
      s.raw_rewards[k] = c_.reward == rl::TrainingReward::kExpected
                             ? expected_minute_reward(s.pool.env(j).params(), info.load, info.active, info.warming)
                             : s.pool.rewards()[u];
      s.done[k] = s.pool.terminated()[u] || s.pool.truncated()[u];
      if (s.done[k]) s.base[u].reset(s.pool.env(j));  // the pool has auto-reset the environment
      s.terminated[k] = s.pool.terminated()[u];
      s.truncated[k] = s.pool.truncated()[u] && !s.pool.terminated()[u];
    }
    // A time limit is not a terminal state: GAE bootstraps from the episode's last observation.
    s.final_values.segment(col, n).setZero();
    for (int j = 0; j < n; ++j) {
      if (!s.truncated[static_cast<std::size_t>(col + j)]) continue;
      s.final_obs.resize(dim, 1);
      agent_.normalize(Eigen::Map<const MatrixXf>(s.pool.final_observations().data() + static_cast<Index>(j) * dim, dim, 1), s.final_obs);
      agent_.critic.infer(s.final_obs, s.step_values, s.ws);
      s.final_values(col + j) = s.step_values(0, 0);
    }
    for (const auto& f : s.pool.take_finished()) {
      s.profit_sum += f.profit;
      s.profit_count += 1;
    }
  }
  s.next_obs.resize(dim, n);
  agent_.normalize(Eigen::Map<const MatrixXf>(s.pool.observations().data(), dim, n), s.next_obs);
  agent_.critic.infer(s.next_obs, s.step_values, s.ws);
  s.last_values = s.step_values.row(0).transpose();
  // The discounted returns the reward scaler tracks, step by step as Gym's NormalizeReward.
  for (int t = 0; t < c_.rollout_steps; ++t) {
    for (int j = 0; j < n; ++j) {
      const auto k = static_cast<std::size_t>(t * n + j);
      double& r = s.ret_running[static_cast<std::size_t>(j)];
      r = r * c_.gamma + s.raw_rewards[k];
      s.returns_seen[k] = r;
      if (s.done[k]) r = 0;
    }
  }
}

// The shards' rollout statistics, gathered and merged in shard order on every rank: observation
// mean/var (the normalizer) and range (the guardrail), the return scaler, the finished episodes'
// profits. Then each shard's rewards are scaled and its advantages estimated.
void ShardedTrainer::merge_rollout_stats() {
  const auto dim = static_cast<std::size_t>(agent_.obs_dim);
  const std::size_t len = 1 + 4 * dim + 5;
  const std::vector<double> all = gather_blocks(len, [&](Shard& s, std::span<double> out) {
    const Index b = s.raw_obs.cols();
    const Eigen::MatrixXd x = s.raw_obs.cast<double>();
    const Eigen::VectorXd mean = x.rowwise().mean();
    const Eigen::VectorXd var = (x.colwise() - mean).array().square().rowwise().mean();
    out[0] = static_cast<double>(b);
    for (std::size_t i = 0; i < dim; ++i) {
      const auto r = static_cast<Index>(i);
      out[1 + i] = mean(r);
      out[1 + dim + i] = var(r);
      out[1 + 2 * dim + i] = s.raw_obs.row(r).minCoeff();
      out[1 + 3 * dim + i] = s.raw_obs.row(r).maxCoeff();
    }
    const Eigen::Map<const Eigen::VectorXd> rs(s.returns_seen.data(), static_cast<Index>(s.returns_seen.size()));
    const double rmean = rs.mean();
    out[1 + 4 * dim] = static_cast<double>(rs.size());
    out[2 + 4 * dim] = rmean;
    out[3 + 4 * dim] = (rs.array() - rmean).square().mean();
    out[4 + 4 * dim] = s.profit_sum;
    out[5 + 4 * dim] = s.profit_count;
    s.profit_sum = s.profit_count = 0;
  });
  Eigen::VectorXf lo = agent_.obs_range.lo(), hi = agent_.obs_range.hi();
  double profit_sum = 0, profit_count = 0;
  for (int s = 0; s < k_; ++s) {
    const double* b = all.data() + len * static_cast<std::size_t>(s);
    if (c_.normalize_obs) merge_stats(agent_.obs_stats, b[0], b + 1, b + 1 + dim);
    for (std::size_t i = 0; i < dim; ++i) {
      lo(static_cast<Index>(i)) = std::min(lo(static_cast<Index>(i)), static_cast<float>(b[1 + 2 * dim + i]));
      hi(static_cast<Index>(i)) = std::max(hi(static_cast<Index>(i)), static_cast<float>(b[1 + 3 * dim + i]));
    }
    merge_stats(return_stats_, b[1 + 4 * dim], b + 2 + 4 * dim, b + 3 + 4 * dim);
    profit_sum += b[4 + 4 * dim];
    profit_count += b[5 + 4 * dim];
  }
  agent_.obs_range.set(lo, hi);
  train_profit_.reset();
  if (profit_count > 0) train_profit_ = profit_sum / profit_count;
  const double inv = c_.normalize_reward ? 1.0 / std::sqrt(return_stats_.var()(0) + 1e-8) : 1.0;
  for_local_shards([&](Shard& s) {
    for (std::size_t k = 0; k < s.raw_rewards.size(); ++k) s.rewards(static_cast<Index>(k)) = static_cast<float>(s.raw_rewards[k] * inv);
    const auto span = [](const VectorXf& v) { return std::span<const float>(v.data(), static_cast<std::size_t>(v.size())); };
    rl::compute_gae({.num_envs = s.num_envs,
                     .steps = c_.rollout_steps,
                     .rewards = span(s.rewards),
                     .values = span(s.values),
                     .final_values = span(s.final_values),
                     .terminated = s.terminated,
                     .truncated = s.truncated,
                     .last_values = span(s.last_values),
                     .gamma = c_.gamma,
                     .lambda = c_.gae_lambda},
                    std::span<float>(s.adv.data(), static_cast<std::size_t>(s.adv.size())));
    s.ret = s.adv + s.values;
  });
}

// The minibatch gradient: every shard's partial (already divided by the whole minibatch's size)
// summed exactly across shards and ranks, into agent_'s gradient buffers.
void ShardedTrainer::reduce_gradients() {
  const Index pa = agent_.actor.num_params();
  // A NaN anywhere must reach the check below: std::max and Eigen's maxCoeff may drop it, and
  // the fixed-point conversion would turn it into a finite garbage integer on every rank alike.
  double max_abs = 0;
  for (const auto& s : shards_) {
    if (!s->actor.grads().allFinite() || !s->critic.grads().allFinite()) {
      max_abs = std::numeric_limits<double>::infinity();
      break;
    }
    max_abs = std::max({max_abs, static_cast<double>(s->actor.grads().cwiseAbs().maxCoeff()),
                        static_cast<double>(s->critic.grads().cwiseAbs().maxCoeff())});
  }
  comm_.allreduce_max(std::span<double>(&max_abs, 1));
  if (!std::isfinite(max_abs)) {
    throw Error(fmt::format("training diverged at step {}: a gradient is {} (lower learning_rate or check the scenario's "
                            "reward scale)",
                            steps_, max_abs));
  }
  const int e = fixed_point_exponent(max_abs, k_);
  std::fill(grad_sum_.begin(), grad_sum_.end(), 0);
  const std::span<std::int64_t> sum(grad_sum_);
  for (const auto& s : shards_) {
    add_fixed({s->actor.grads().data(), static_cast<std::size_t>(pa)}, e, sum.first(static_cast<std::size_t>(pa)));
    add_fixed({s->critic.grads().data(), static_cast<std::size_t>(s->critic.grads().size())}, e, sum.subspan(static_cast<std::size_t>(pa)));
  }
  comm_.allreduce_sum(sum);
  from_fixed(sum.first(static_cast<std::size_t>(pa)), e, {agent_.actor.grads().data(), static_cast<std::size_t>(pa)});
  from_fixed(sum.subspan(static_cast<std::size_t>(pa)), e,
             {agent_.critic.grads().data(), static_cast<std::size_t>(agent_.critic.grads().size())});
}

ProgressRow ShardedTrainer::update() {
  const Index bs = static_cast<Index>(envs_per_shard_) * c_.rollout_steps;  // samples per shard
  const int m = c_.minibatches;
  const Index mbs = bs / m, mb = mbs * k_;  // a minibatch: mbs samples of each of the k shards
  const rl::PpoLossCoefficients coef{c_.clip, c_.ent_coef, c_.vf_coef};
  for (auto& s : shards_) {
    std::iota(s->perm.begin(), s->perm.end(), Index{0});
    s->terms = {};
  }
  std::vector<float> adv_mean(static_cast<std::size_t>(m), 0.0f), adv_scale(static_cast<std::size_t>(m), 1.0f);
  int minibatches = 0;
  for (int epoch = 0; epoch < c_.epochs; ++epoch) {
    // Each shard's permutation, and per minibatch the sum and square sum of its slice's advantages.
    const std::vector<double> sums = gather_blocks(2 * static_cast<std::size_t>(m), [&](Shard& s, std::span<double> out) {
      for (Index i = bs - 1; i > 0; --i) {
        std::swap(s.perm[static_cast<std::size_t>(i)], s.perm[s.shuffle_rng.below(static_cast<std::uint64_t>(i) + 1)]);
      }
      for (int j = 0; j < m; ++j) {
        double sum = 0, sq = 0;
        for (Index q = 0; q < mbs; ++q) {
          const double a = s.adv(s.perm[static_cast<std::size_t>(j * mbs + q)]);
          sum += a;
          sq += a * a;
        }
        out[2 * static_cast<std::size_t>(j)] = sum;
        out[2 * static_cast<std::size_t>(j) + 1] = sq;
      }
    });
    if (c_.normalize_advantages && mb > 1) {
      for (int j = 0; j < m; ++j) {
        double sum = 0, sq = 0;
        for (int s = 0; s < k_; ++s) {
          sum += sums[2 * (static_cast<std::size_t>(s) * static_cast<std::size_t>(m) + static_cast<std::size_t>(j))];
          sq += sums[2 * (static_cast<std::size_t>(s) * static_cast<std::size_t>(m) + static_cast<std::size_t>(j)) + 1];
        }
        const double mean = sum / static_cast<double>(mb);
        const double var = std::max(0.0, (sq - sum * mean) / static_cast<double>(mb - 1));
        adv_mean[static_cast<std::size_t>(j)] = static_cast<float>(mean);
        adv_scale[static_cast<std::size_t>(j)] = 1.0f / (static_cast<float>(std::sqrt(var)) + 1e-8f);
      }
    }
    for (int j = 0; j < m; ++j) {
      const float mean = adv_mean[static_cast<std::size_t>(j)], scale = adv_scale[static_cast<std::size_t>(j)];
      const bool normalize = c_.normalize_advantages && mb > 1;
      for_local_shards([&](Shard& s) {
        s.actor.params() = agent_.actor.params();
        s.critic.params() = agent_.critic.params();
        s.mb_obs.resize(agent_.obs_dim, mbs);
        s.mb_actions.resize(s.actions.rows(), mbs);
        s.mb_logp.resize(mbs);
        s.mb_adv.resize(mbs);
        s.mb_ret.resize(mbs);
        for (Index q = 0; q < mbs; ++q) {
          const Index k = s.perm[static_cast<std::size_t>(j * mbs + q)];
          s.mb_obs.col(q) = s.obs.col(k);
          s.mb_actions.col(q) = s.actions.col(k);
          s.mb_logp(q) = s.logp(k);
          s.mb_adv(q) = normalize ? (s.adv(k) - mean) * scale : s.adv(k);
          s.mb_ret(q) = s.ret(k);
        }
        const MatrixXf& new_logits = s.actor.forward(s.mb_obs);
        const MatrixXf& new_values = s.critic.forward(s.mb_obs);
        s.terms += rl::ppo_loss<float>(s.dist, new_logits, s.mb_actions, s.mb_logp, s.mb_adv, new_values, s.mb_ret, coef, mb,
                                       s.d_logits, s.d_values);
        s.actor.zero_grad();
        s.actor.backward(s.d_logits);
        s.critic.zero_grad();
        s.critic.backward(s.d_values);
      });
      reduce_gradients();
      const float norm = rl::clip_grad_norm({&agent_.actor.grads(), &agent_.critic.grads()}, static_cast<float>(c_.max_grad_norm));
      if (!std::isfinite(norm)) {
        throw Error(fmt::format("training diverged at step {}: gradient norm is {} (lower learning_rate or check the "
                                "scenario's reward scale)",
                                steps_, norm));
      }
      actor_opt_.step(agent_.actor.params(), agent_.actor.grads());
      critic_opt_.step(agent_.critic.params(), agent_.critic.grads());
      ++minibatches;
    }
  }
  // The update's loss terms and the explained variance, from every shard's sums.
  const std::vector<double> all = gather_blocks(9, [&](Shard& s, std::span<double> out) {
    out[0] = s.terms.pg_loss;
    out[1] = s.terms.v_loss;
    out[2] = s.terms.entropy;
    out[3] = s.terms.approx_kl;
    out[4] = s.terms.clipfrac;
    const Eigen::VectorXd ret = s.ret.cast<double>(), resid = (s.ret - s.values).cast<double>();
    out[5] = ret.sum();
    out[6] = ret.squaredNorm();
    out[7] = resid.sum();
    out[8] = resid.squaredNorm();
  });
  double t[9] = {};
  for (int s = 0; s < k_; ++s) {
    for (std::size_t i = 0; i < 9; ++i) t[i] += all[9 * static_cast<std::size_t>(s) + i];
  }
  ProgressRow row;
  row.policy_loss = t[0] / minibatches;
  row.value_loss = t[1] / minibatches;
  row.entropy = t[2] / minibatches;
  row.approx_kl = t[3] / minibatches;
  row.clip_fraction = t[4] / minibatches;
  const double n = static_cast<double>(bs) * k_;
  const double var_ret = t[6] / n - (t[5] / n) * (t[5] / n), var_resid = t[8] / n - (t[7] / n) * (t[7] / n);
  row.explained_variance = var_ret > 0 ? 1.0 - var_resid / var_ret : 0.0;
  row.learning_rate = actor_opt_.learning_rate();
  return row;
}

// Mean profit over the mix's validation episodes, split between scenarios like rl::train's.
double ShardedTrainer::validation_profit() const {
  const std::vector<int> shares = split_by_weight(o_.scenarios, std::max(c_.validation_episodes, static_cast<int>(o_.scenarios.size())));
  double total = 0;
  int episodes = 0;
  for (std::size_t s = 0; s < o_.scenarios.size(); ++s) {
    total += shares[s] * rl::validate(agent_, o_.scenarios[s].scenario, c_.validation_seed, shares[s], o_.threads);
    episodes += shares[s];
  }
  return total / episodes;
}

// Every rank sends its shards' states; rank 0 writes the whole checkpoint.
void ShardedTrainer::write_checkpoint(double seconds) {
  nlohmann::json mine = nlohmann::json::array();
  for (const auto& s : shards_) mine.push_back(to_json(s->state()));
  const std::vector<std::string> parts = comm_.gather(mine.dump(), 0);
  if (comm_.rank() != 0) return;
  ShardedCheckpoint c;
  c.config_toml = to_toml(c_);
  c.seed = o_.seed;
  c.total_steps = o_.total_steps;
  c.shards = k_;
  c.scenarios = mix_names(o_.scenarios);
  c.model = model_to_string(agent_);
  c.actor_optimizer = actor_opt_.state_json();
  c.critic_optimizer = critic_opt_.state_json();
  c.return_stats = {return_stats_.mean()(0), return_stats_.var()(0), return_stats_.count()};
  c.iteration = iteration_ + 1;
  c.steps = steps_;
  c.seconds = seconds;
  c.best_validation = best_validation_;
  c.next_validation = next_validation_;
  c.next_checkpoint = next_checkpoint_;
  for (const auto& part : parts) {
    for (auto& s : nlohmann::json::parse(part)) c.shard_states.push_back(std::move(s));
  }
  write_file_atomic(o_.out_dir / "checkpoint.json", to_string(c));
}

// Rank 0 reads the checkpoint and broadcasts it (or why it could not); every rank restores the
// learner and its own shards from it.
void ShardedTrainer::resume() {
  const auto path = o_.out_dir / "checkpoint.json";
  std::string text;
  if (comm_.rank() == 0) {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      text = "ok\n" + ss.str();
    } else {
      text = fmt::format("error\n--resume: no checkpoint at {}", path.string());
    }
  }
  comm_.broadcast(text, 0);
  const auto eol = text.find('\n');
  if (text.substr(0, eol) != "ok") throw ConsistentError(text.substr(eol + 1));
  ShardedCheckpoint c;
  try {
    c = sharded_checkpoint_from_string(text.substr(eol + 1), path.string());
  } catch (const Error& e) {
    throw ConsistentError(e.what());
  }
  if (c.config_toml != to_toml(c_) || c.seed != o_.seed || c.scenarios != mix_names(o_.scenarios) ||
      c.total_steps != o_.total_steps || c.shards != k_) {
    throw ConsistentError(fmt::format("{}: checkpoint was made with scenario '{}', seed {}, --steps {}, --shards {} and its "
                                      "own config.toml; resume with the same ones (any rank count dividing the shards works)",
                                      path.string(), c.scenarios, c.seed, c.total_steps, c.shards));
  }
  agent_ = rl::model_from_string(c.model, path.string());
  actor_opt_.load_state_json(c.actor_optimizer);
  critic_opt_.load_state_json(c.critic_optimizer);
  return_stats_.set(Eigen::VectorXd::Constant(1, c.return_stats[0]), Eigen::VectorXd::Constant(1, c.return_stats[1]),
                    c.return_stats[2]);
  iteration_ = c.iteration;
  steps_ = c.steps;
  seconds_before_ = c.seconds;
  best_validation_ = c.best_validation;
  next_validation_ = c.next_validation;
  next_checkpoint_ = c.next_checkpoint;
  for (auto& s : shards_) s->restore(shard_state_from_json(c.shard_states[static_cast<std::size_t>(s->index)]), path.string());
}

TrainResult ShardedTrainer::run(const std::function<void(const ProgressRow&)>& on_progress) {
  const bool root = comm_.rank() == 0;
  const auto checkpoint_path = o_.out_dir / "checkpoint.json";
  if (root) std::filesystem::create_directories(o_.out_dir);
  if (o_.resume) {
    resume();
  } else {
    // Rank 0's weights for everyone (they are the same by seed, but this is the rule that keeps
    // ranks in step whatever the initialization does).
    std::string model = root ? model_to_string(agent_) : std::string();
    comm_.broadcast(model, 0);
    agent_ = rl::model_from_string(model, "rank 0's initial model");
    // A stale checkpoint of an earlier run here must never be resumed as this one's.
    if (root) std::filesystem::remove(checkpoint_path);
    next_validation_ = c_.validation_every_steps;
    next_checkpoint_ = c_.checkpoint_every_steps;
  }
  std::optional<rl::ProgressLog> progress;
  if (root) {
    write_file_atomic(o_.out_dir / "config.toml", to_toml(c_));
    progress.emplace(o_.out_dir / "progress.csv", o_.resume, steps_);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return seconds_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  for (; iteration_ < iterations_; ++iteration_) {
    if (c_.anneal_lr) {
      const double frac = 1.0 - static_cast<double>(iteration_) / static_cast<double>(iterations_);
      actor_opt_.set_learning_rate(static_cast<float>(c_.learning_rate * frac));
      critic_opt_.set_learning_rate(static_cast<float>(c_.learning_rate * frac));
    }
    for_local_shards([&](Shard& s) { rollout_shard(s); });
    steps_ += c_.batch_size();
    merge_rollout_stats();
    ProgressRow row = update();
    row.steps = steps_;
    row.train_profit = train_profit_;
    const bool last = iteration_ + 1 == iterations_;
    if (c_.validation_episodes > 0 && (steps_ >= next_validation_ || last)) {
      next_validation_ += c_.validation_every_steps;
      if (root) {  // the others wait at the next collective; nothing they compute depends on it
        const double v = validation_profit();
        row.validation_profit = v;
        if (!best_validation_ || v > *best_validation_) {
          best_validation_ = v;
          agent_.info["steps"] = steps_;
          agent_.info["validation_profit"] = v;
          save_model(agent_, o_.out_dir / "best");
        }
      }
    }
    row.seconds = elapsed();
    row.steps_per_second = static_cast<double>(steps_) / row.seconds;
    if (root) {
      progress->append(row);
      if (on_progress) on_progress(row);
    }
    if (steps_ >= next_checkpoint_ || last) {
      next_checkpoint_ += c_.checkpoint_every_steps;
      write_checkpoint(elapsed());
    }
    if (kill_.rank == comm_.rank() && kill_.update == iteration_ + 1) std::raise(SIGKILL);
    if (o_.stop_after_steps > 0 && steps_ >= o_.stop_after_steps) {
      TrainResult stopped;
      stopped.steps = steps_;
      return stopped;
    }
  }
  agent_.info["steps"] = steps_;
  if (root) {
    if (best_validation_) agent_.info["best_validation_profit"] = *best_validation_;
    save_model(agent_, o_.out_dir / "model");
  }
  const double seconds = elapsed();
  return {steps_, seconds, static_cast<double>(steps_) / seconds, best_validation_};
}

}  // namespace

rl::TrainResult train_sharded(const ShardedTrainOptions& options, Communicator& comm,
                              const std::function<void(const rl::ProgressRow&)>& on_progress) {
  ShardedTrainOptions o = options;
  if (o.shards == 0) o.shards = default_shards(o.train.config);
  check_options(o, comm.size());
  // Building a rank's shards reads its own files (a trace missing on one node fails there
  // alone), so whether every rank could is agreed on before the first collective of training:
  // else the ranks that could would wait in it forever.
  std::unique_ptr<ShardedTrainer> t;
  std::string failure;
  try {
    t = std::make_unique<ShardedTrainer>(o, comm);
  } catch (const Error& e) {
    failure = e.what();
  }
  double failed = failure.empty() ? 0.0 : 1.0;
  comm.allreduce_max(std::span<double>(&failed, 1));
  if (failed > 0) {
    const std::vector<std::string> why = comm.gather(failure, 0);
    std::string message;
    for (std::size_t r = 0; r < why.size(); ++r) {
      if (why[r].empty()) continue;
      if (comm.size() == 1) {
        message = why[r];
        break;
      }
      message += fmt::format("{}rank {}: {}", message.empty() ? "" : "; ", r, why[r]);
    }
    throw ConsistentError(message);  // every rank ends alike; rank 0 reports it
  }
  try {
    return t->run(on_progress);
  } catch (const ConsistentError&) {
    throw;
  } catch (const std::exception& e) {
    if (comm.size() == 1) throw;
    // The other ranks wait in a collective that will never complete: end the job.
    std::fprintf(stderr, "autoscale: error on rank %d of %d: %s\n", comm.rank(), comm.size(), e.what());
    std::fflush(stderr);
    comm.abort(1);
  }
  return {};  // not reached: abort() does not return
}

}  // namespace autoscale::distributed
