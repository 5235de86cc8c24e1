// PPO (and A2C) for the autoscaler, read top to bottom like CleanRL's ppo.py: collect a rollout from
// the pool of environments, estimate advantages (GAE), update actor and critic on minibatches of
// the rollout (ppo_loss), log, validate, checkpoint.
#include "rl/ppo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "core/rng.hpp"
#include "core/seed_ranges.hpp"
#include "env/vec_env.hpp"
#include "rl/agent.hpp"
#include "rl/base_controller.hpp"
#include "rl/checkpoint.hpp"
#include "rl/decision.hpp"
#include "rl/gae.hpp"
#include "rl/optimizer.hpp"
#include "rl/ppo_loss.hpp"
#include "rl/validation.hpp"
#include "service/outcome.hpp"

namespace autoscale::rl {

using Eigen::Index;
using Eigen::MatrixXf;
using Eigen::VectorXf;
using Actions = Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>;

namespace {

// Training episodes: env i's k-th episode has seed seeds::training_seed_base(seed) + i + k * num_envs
// (the pool's rule, vec_env.hpp). How many a run may draw: every env finishes at most
// steps / envs / (shortest episode) episodes and starts one more; the checked range
// (core/seed_ranges.hpp) must not meet validation, evaluation or holdout.
std::uint64_t training_seed_base(const TrainOptions& o) {
  std::int64_t shortest = std::numeric_limits<std::int64_t>::max();
  for (const auto& s : o.scenarios) shortest = std::min<std::int64_t>(shortest, s.scenario.service.episode_steps());
  const std::int64_t envs = std::max(1, o.config.num_envs);
  const std::int64_t per_env = o.total_steps / envs / std::max<std::int64_t>(1, shortest) + 2;
  seeds::check_training_seeds(o.seed, static_cast<std::uint64_t>(per_env * envs), o.config.validation_seed,
                              static_cast<std::uint64_t>(std::max(0, o.config.validation_episodes)));
  return seeds::training_seed_base(o.seed);
}

std::string mix_names(const std::vector<WeightedScenario>& mix) {
  std::string s;
  for (const auto& m : mix) s += (s.empty() ? "" : "+") + m.scenario.name;
  return s;
}

std::vector<Env> mix_envs(const std::vector<WeightedScenario>& mix, const PpoConfig& c) {
  const std::vector<int> counts = split_by_weight(mix, c.num_envs);
  std::vector<Env> envs;
  for (std::size_t s = 0; s < mix.size(); ++s) {
    const Env prototype(mix[s].scenario.service, mix[s].scenario.make_load(), c.features);
    for (int k = 0; k < counts[s]; ++k) envs.emplace_back(prototype);
  }
  return envs;
}

// One thread's share of a minibatch: replicas of the networks (their forward caches and gradient
// buffers are per thread) and the loss terms of its samples.
struct UpdateWorker {
  UpdateWorker(const Mlp<float>& a, const Mlp<float>& c, const MultiCategorical<float>& d) : actor(a), critic(c), dist(d) {}
  Mlp<float> actor, critic;
  MultiCategorical<float> dist;
  MatrixXf mb_obs, d_logits, d_values;
  Actions mb_actions;
  VectorXf mb_logp, mb_adv, mb_ret;
  PpoLossTerms terms;
};

class Trainer {
 public:
  explicit Trainer(const TrainOptions& o);
  TrainResult run(const std::function<void(const ProgressRow&)>& on_progress);

 private:
  void rollout();
  void advantages();
  ProgressRow update();
  double validation_profit() const;
  Checkpoint checkpoint(std::int64_t resume_iteration, double seconds) const;
  void restore(const Checkpoint& c);

  const TrainOptions& o_;
  const PpoConfig c_;
  VecEnv pool_;
  Agent agent_;
  NetworkOptimizer actor_opt_, critic_opt_;
  MultiCategorical<float> dist_;
  ReturnScaler returns_;
  Rng shuffle_rng_;
  std::vector<Rng> env_rng_;  // per env: the uniforms that sample its actions
  std::vector<BaseController> base_;  // per env: the residual action's classical controller
  std::int64_t iterations_ = 0, iteration_ = 0, steps_ = 0;
  double seconds_before_ = 0;  // wall time of earlier sessions of a resumed run
  std::optional<double> best_validation_;
  std::int64_t next_validation_ = 0, next_checkpoint_ = 0;
  std::vector<double> finished_profits_;

  // Rollout storage, step-major: sample k = t * num_envs + i (CleanRL's (steps, envs) flattened).
  MatrixXf obs_;
  Actions actions_;
  VectorXf logp_, values_, rewards_, final_values_, adv_, ret_;
  std::vector<std::uint8_t> terminated_, truncated_;
  // Scratch.
  MatrixXf logits_, step_values_, uniforms_, final_obs_;
  std::vector<Action> env_actions_;
  std::vector<double> step_rewards_;
  std::vector<std::uint8_t> step_done_;
  Mlp<float>::Workspace ws_;
  std::vector<std::unique_ptr<UpdateWorker>> workers_;
};

Trainer::Trainer(const TrainOptions& o)
    : o_(o),
      c_(o.config),
      pool_(mix_envs(o.scenarios, o.config), training_seed_base(o), o.threads),
      agent_(c_.features, c_.action, pool_.obs_dim(), c_.action.head_sizes(o.scenarios.front().scenario.service), c_.hidden,
             c_.normalize_obs, stream_seed(o.seed, Stream::kInitialization)),
      actor_opt_(c_.optimizer, agent_.actor.num_params(), static_cast<float>(c_.learning_rate)),
      critic_opt_(c_.optimizer, agent_.critic.num_params(), static_cast<float>(c_.learning_rate)),
      dist_(agent_.head_sizes),
      returns_(c_.num_envs, c_.gamma),
      shuffle_rng_(make_stream(o.seed, Stream::kMinibatchShuffle)) {
  for (const auto& s : o.scenarios) {
    if (c_.action.head_sizes(s.scenario.service) != agent_.head_sizes) {
      throw Error(fmt::format("scenario '{}' needs other action heads than '{}' (max_machine_delta differs); a model "
                              "can only learn from scenarios that share its action space",
                              s.scenario.name, o.scenarios.front().scenario.name));
    }
  }
  const int n = c_.num_envs;
  for (int i = 0; i < n; ++i) {
    env_rng_.emplace_back(make_stream(o.seed, Stream::kActionSampling, static_cast<std::uint64_t>(i)));
    base_.emplace_back(c_.action, pool_.env(i).params());
  }
  const Index b = c_.batch_size(), heads = static_cast<Index>(agent_.head_sizes.size());
  obs_.resize(agent_.obs_dim, b);
  actions_.resize(heads, b);
  for (VectorXf* v : {&logp_, &values_, &rewards_, &final_values_, &adv_, &ret_}) v->resize(b);
  terminated_.resize(static_cast<std::size_t>(b));
  truncated_.resize(static_cast<std::size_t>(b));
  uniforms_.resize(heads, n);
  env_actions_.resize(static_cast<std::size_t>(n));
  step_rewards_.resize(static_cast<std::size_t>(n));
  step_done_.resize(static_cast<std::size_t>(n));
  iterations_ = std::max<std::int64_t>(1, o.total_steps / b);
  agent_.guardrail = c_.guardrail;
  agent_.info = {{"scenario", mix_names(o.scenarios)},
                 {"seed", o.seed},
                 {"algorithm", to_string(c_.algorithm)},
                 {"preset", c_.preset}};
  pool_.reset();
  for (int i = 0; i < n; ++i) base_[static_cast<std::size_t>(i)].reset(pool_.env(i));
}

void Trainer::rollout() {
  const int n = c_.num_envs;
  const Index dim = agent_.obs_dim;
  for (int t = 0; t < c_.rollout_steps; ++t) {
    const Index col = static_cast<Index>(t) * n;
    const Eigen::Map<const MatrixXf> raw(pool_.observations().data(), dim, n);
    if (c_.normalize_obs) agent_.obs_stats.update(raw);
    agent_.obs_range.update(raw);
    auto obs = obs_.middleCols(col, n);
    agent_.normalize(raw, obs);

    // ALGO LOGIC: action and value for the current observations.
    agent_.actor.infer(obs, logits_, ws_);
    for (int i = 0; i < n; ++i) {
      for (Index h = 0; h < uniforms_.rows(); ++h) uniforms_(h, i) = static_cast<float>(env_rng_[static_cast<std::size_t>(i)].uniform());
    }
    dist_.sample(logits_, uniforms_, actions_.middleCols(col, n), logp_.segment(col, n));
    agent_.critic.infer(obs, step_values_, ws_);
    values_.segment(col, n) = step_values_.row(0).transpose();
    for (int i = 0; i < n; ++i) {
      const Env& env = pool_.env(i);
      BaseController& base = base_[static_cast<std::size_t>(i)];
      base.observe(env);
      env_actions_[static_cast<std::size_t>(i)] =
          decide(agent_.action, agent_.guardrail, Stage::kTraining, &actions_(0, col + i), env, env.features(), base).action;
    }

    // Step the pool; rewards as the config says, scaled by the running return's sd.
    pool_.step(env_actions_);
    for (int i = 0; i < n; ++i) {
      const auto u = static_cast<std::size_t>(i);
      const StepInfo& info = pool_.infos()[u];
      step_rewards_[u] = c_.reward == TrainingReward::kExpected
                             ? expected_minute_reward(pool_.env(i).params(), info.load, info.active, info.warming)
                             : pool_.rewards()[u];
      step_done_[u] = pool_.terminated()[u] || pool_.truncated()[u];
      if (step_done_[u]) base_[u].reset(pool_.env(i));  // the pool has auto-reset the environment
      terminated_[static_cast<std::size_t>(col + i)] = pool_.terminated()[u];
      truncated_[static_cast<std::size_t>(col + i)] = pool_.truncated()[u] && !pool_.terminated()[u];
    }
    if (c_.normalize_reward) returns_.scale(step_rewards_, step_done_);
    for (int i = 0; i < n; ++i) rewards_(col + i) = static_cast<float>(step_rewards_[static_cast<std::size_t>(i)]);

    // A time limit is not a terminal state: GAE bootstraps from the episode's last observation.
    final_values_.segment(col, n).setZero();
    for (int i = 0; i < n; ++i) {
      if (!truncated_[static_cast<std::size_t>(col + i)]) continue;
      final_obs_.resize(dim, 1);
      agent_.normalize(Eigen::Map<const MatrixXf>(pool_.final_observations().data() + static_cast<Index>(i) * dim, dim, 1), final_obs_);
      agent_.critic.infer(final_obs_, step_values_, ws_);
      final_values_(col + i) = step_values_(0, 0);
    }
    for (const auto& f : pool_.take_finished()) finished_profits_.push_back(f.profit);
  }
  steps_ += c_.batch_size();
}

void Trainer::advantages() {
  const int n = c_.num_envs;
  const Index dim = agent_.obs_dim;
  MatrixXf next_obs(dim, n);
  agent_.normalize(Eigen::Map<const MatrixXf>(pool_.observations().data(), dim, n), next_obs);
  agent_.critic.infer(next_obs, step_values_, ws_);
  const VectorXf last_values = step_values_.row(0).transpose();
  const auto span = [](const VectorXf& v) { return std::span<const float>(v.data(), static_cast<std::size_t>(v.size())); };
  compute_gae({.num_envs = n,
               .steps = c_.rollout_steps,
               .rewards = span(rewards_),
               .values = span(values_),
               .final_values = span(final_values_),
               .terminated = terminated_,
               .truncated = truncated_,
               .last_values = span(last_values),
               .gamma = c_.gamma,
               .lambda = c_.gae_lambda},
              std::span<float>(adv_.data(), static_cast<std::size_t>(adv_.size())));
  ret_ = adv_ + values_;
}

ProgressRow Trainer::update() {
  const Index b = c_.batch_size(), mb = b / c_.minibatches;
  const int W = static_cast<int>(std::min<Index>(pool_.pool().size(), mb));
  if (workers_.empty()) {
    for (int w = 0; w < W; ++w) workers_.push_back(std::make_unique<UpdateWorker>(agent_.actor, agent_.critic, dist_));
  }
  const PpoLossCoefficients coef{c_.clip, c_.ent_coef, c_.vf_coef};
  std::vector<Index> b_inds(static_cast<std::size_t>(b));
  std::iota(b_inds.begin(), b_inds.end(), 0);
  VectorXf mb_adv(mb);
  PpoLossTerms terms;
  int minibatches = 0;
  for (int epoch = 0; epoch < c_.epochs; ++epoch) {
    for (Index i = b - 1; i > 0; --i) {
      std::swap(b_inds[static_cast<std::size_t>(i)], b_inds[shuffle_rng_.below(static_cast<std::uint64_t>(i) + 1)]);
    }
    for (Index start = 0; start < b; start += mb) {
      for (Index j = 0; j < mb; ++j) mb_adv(j) = adv_(b_inds[static_cast<std::size_t>(start + j)]);
      if (c_.normalize_advantages && mb > 1) {
        const float mean = mb_adv.mean();
        const float sd = std::sqrt((mb_adv.array() - mean).square().sum() / static_cast<float>(mb - 1));
        mb_adv = (mb_adv.array() - mean) / (sd + 1e-8f);
      }
      // Each thread takes a contiguous share of the minibatch; their gradients add up to its own.
      pool_.pool().parallel_for(W, [&](std::int64_t wb, std::int64_t we) {
        for (auto wi = wb; wi < we; ++wi) {
          UpdateWorker& w = *workers_[static_cast<std::size_t>(wi)];
          const Index lo = mb * wi / W, n = mb * (wi + 1) / W - lo;
          w.actor.params() = agent_.actor.params();
          w.critic.params() = agent_.critic.params();
          w.mb_obs.resize(agent_.obs_dim, n);
          w.mb_actions.resize(actions_.rows(), n);
          w.mb_logp.resize(n);
          w.mb_ret.resize(n);
          w.mb_adv = mb_adv.segment(lo, n);
          for (Index j = 0; j < n; ++j) {
            const Index k = b_inds[static_cast<std::size_t>(start + lo + j)];
            w.mb_obs.col(j) = obs_.col(k);
            w.mb_actions.col(j) = actions_.col(k);
            w.mb_logp(j) = logp_(k);
            w.mb_ret(j) = ret_(k);
          }
          const MatrixXf& new_logits = w.actor.forward(w.mb_obs);
          const MatrixXf& new_values = w.critic.forward(w.mb_obs);
          w.terms = ppo_loss<float>(w.dist, new_logits, w.mb_actions, w.mb_logp, w.mb_adv, new_values, w.mb_ret, coef, mb,
                                    w.d_logits, w.d_values);
          w.actor.zero_grad();
          w.actor.backward(w.d_logits);
          w.critic.zero_grad();
          w.critic.backward(w.d_values);
        }
      });
      agent_.actor.grads() = workers_[0]->actor.grads();
      agent_.critic.grads() = workers_[0]->critic.grads();
      terms += workers_[0]->terms;
      for (int wi = 1; wi < W; ++wi) {
        agent_.actor.grads() += workers_[static_cast<std::size_t>(wi)]->actor.grads();
        agent_.critic.grads() += workers_[static_cast<std::size_t>(wi)]->critic.grads();
        terms += workers_[static_cast<std::size_t>(wi)]->terms;
      }
      const float norm = clip_grad_norm({&agent_.actor.grads(), &agent_.critic.grads()}, static_cast<float>(c_.max_grad_norm));
      if (!std::isfinite(norm)) {
        throw Error(fmt::format("training diverged at step {}: gradient norm is {} (lower learning_rate or check the "
                                "scenario's reward scale)", steps_, norm));
      }
      actor_opt_.step(agent_.actor.params(), agent_.actor.grads());
      critic_opt_.step(agent_.critic.params(), agent_.critic.grads());
      ++minibatches;
    }
  }
  ProgressRow row;
  row.policy_loss = terms.pg_loss / minibatches;
  row.value_loss = terms.v_loss / minibatches;
  row.entropy = terms.entropy / minibatches;
  row.approx_kl = terms.approx_kl / minibatches;
  row.clip_fraction = terms.clipfrac / minibatches;
  const double var_ret = (ret_.array() - ret_.mean()).square().mean();
  const VectorXf resid = ret_ - values_;
  const double var_resid = (resid.array() - resid.mean()).square().mean();
  row.explained_variance = var_ret > 0 ? 1.0 - var_resid / var_ret : 0.0;
  row.learning_rate = actor_opt_.learning_rate();
  return row;
}

// Mean profit over the mix's validation episodes, split between scenarios like the environments.
double Trainer::validation_profit() const {
  const std::vector<int> shares = split_by_weight(o_.scenarios, std::max(c_.validation_episodes, static_cast<int>(o_.scenarios.size())));
  double total = 0;
  int episodes = 0;
  for (std::size_t s = 0; s < o_.scenarios.size(); ++s) {
    total += shares[s] * validate(agent_, o_.scenarios[s].scenario, c_.validation_seed, shares[s], o_.threads);
    episodes += shares[s];
  }
  return total / episodes;
}

Checkpoint Trainer::checkpoint(std::int64_t resume_iteration, double seconds) const {
  Checkpoint c;
  c.config_toml = to_toml(c_);
  c.seed = o_.seed;
  c.total_steps = o_.total_steps;
  c.threads = o_.threads;
  c.scenarios = mix_names(o_.scenarios);
  c.model = model_to_string(agent_);
  c.actor_optimizer = actor_opt_.state_json();
  c.critic_optimizer = critic_opt_.state_json();
  c.return_running = returns_.returns();
  const auto& rs = returns_.stats();
  c.return_stats = {rs.mean()(0), rs.var()(0), rs.count()};
  c.shuffle_rng = shuffle_rng_.state();
  for (const auto& r : env_rng_) c.env_rngs.push_back(r.state());
  c.iteration = resume_iteration;
  c.steps = steps_;
  c.seconds = seconds;
  c.best_validation = best_validation_;
  c.next_validation = next_validation_;
  c.next_checkpoint = next_checkpoint_;
  c.finished_profits = finished_profits_;
  c.episode_counts = pool_.episode_counts();
  for (int i = 0; i < c_.num_envs; ++i) c.histories.push_back(pool_.history(i));
  return c;
}

void Trainer::restore(const Checkpoint& c) {
  if (c.config_toml != to_toml(c_) || c.seed != o_.seed || c.scenarios != mix_names(o_.scenarios) ||
      c.total_steps != o_.total_steps || c.threads != o_.threads) {
    throw Error(fmt::format("{}: checkpoint was made with scenario '{}', seed {}, --steps {}, --threads {} and its own "
                            "config.toml; resume with the same ones (a different value would change the run)",
                            (o_.out_dir / "checkpoint.json").string(), c.scenarios, c.seed, c.total_steps, c.threads));
  }
  agent_ = model_from_string(c.model, (o_.out_dir / "checkpoint.json").string());
  actor_opt_.load_state_json(c.actor_optimizer);
  critic_opt_.load_state_json(c.critic_optimizer);
  returns_.returns() = c.return_running;
  returns_.stats().set(Eigen::VectorXd::Constant(1, c.return_stats[0]), Eigen::VectorXd::Constant(1, c.return_stats[1]),
                       c.return_stats[2]);
  shuffle_rng_.set_state(c.shuffle_rng);
  if (c.env_rngs.size() != env_rng_.size()) throw Error("checkpoint has a different number of environments");
  for (std::size_t i = 0; i < env_rng_.size(); ++i) env_rng_[i].set_state(c.env_rngs[i]);
  iteration_ = c.iteration;
  steps_ = c.steps;
  seconds_before_ = c.seconds;
  best_validation_ = c.best_validation;
  next_validation_ = c.next_validation;
  next_checkpoint_ = c.next_checkpoint;
  finished_profits_ = c.finished_profits;
  pool_.restore(c.episode_counts, c.histories,
                {[&](int i, const Env& env) { base_[static_cast<std::size_t>(i)].reset(env); },
                 [&](int i, const Env& env) { base_[static_cast<std::size_t>(i)].observe(env); }});
}

TrainResult Trainer::run(const std::function<void(const ProgressRow&)>& on_progress) {
  std::filesystem::create_directories(o_.out_dir);
  const auto checkpoint_path = o_.out_dir / "checkpoint.json";
  if (o_.resume) {
    restore(load_checkpoint(checkpoint_path));
  } else {
    // A stale checkpoint of an earlier run here must never be resumed as this one's.
    std::filesystem::remove(checkpoint_path);
    next_validation_ = c_.validation_every_steps;
    next_checkpoint_ = c_.checkpoint_every_steps;
  }
  write_file_atomic(o_.out_dir / "config.toml", to_toml(c_));
  ProgressLog progress(o_.out_dir / "progress.csv", o_.resume, steps_);
  const auto t0 = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return seconds_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  for (; iteration_ < iterations_; ++iteration_) {
    if (c_.anneal_lr) {
      const double frac = 1.0 - static_cast<double>(iteration_) / static_cast<double>(iterations_);
      actor_opt_.set_learning_rate(static_cast<float>(c_.learning_rate * frac));
      critic_opt_.set_learning_rate(static_cast<float>(c_.learning_rate * frac));
    }
    rollout();
    advantages();
    ProgressRow row = update();
    row.steps = steps_;
    if (!finished_profits_.empty()) {
      row.train_profit = std::accumulate(finished_profits_.begin(), finished_profits_.end(), 0.0) / static_cast<double>(finished_profits_.size());
      finished_profits_.clear();
    }
    const bool last = iteration_ + 1 == iterations_;
    if (c_.validation_episodes > 0 && (steps_ >= next_validation_ || last)) {
      next_validation_ += c_.validation_every_steps;
      const double v = validation_profit();
      row.validation_profit = v;
      if (!best_validation_ || v > *best_validation_) {
        best_validation_ = v;
        agent_.info["steps"] = steps_;
        agent_.info["validation_profit"] = v;
        save_model(agent_, o_.out_dir / "best");
      }
    }
    row.seconds = elapsed();
    row.steps_per_second = static_cast<double>(steps_) / row.seconds;
    progress.append(row);
    if (on_progress) on_progress(row);
    if (steps_ >= next_checkpoint_ || last) {
      next_checkpoint_ += c_.checkpoint_every_steps;
      save_checkpoint(checkpoint(iteration_ + 1, elapsed()), checkpoint_path);
    }
    if (o_.stop_after_steps > 0 && steps_ >= o_.stop_after_steps) {
      TrainResult stopped;
      stopped.steps = steps_;
      return stopped;
    }
  }
  agent_.info["steps"] = steps_;
  if (best_validation_) agent_.info["best_validation_profit"] = *best_validation_;
  save_model(agent_, o_.out_dir / "model");
  const double seconds = elapsed();
  return {steps_, seconds, static_cast<double>(steps_) / seconds, best_validation_};
}

}  // namespace

TrainResult train(const TrainOptions& options, const std::function<void(const ProgressRow&)>& on_progress) {
  check_ppo_config(options.config, "training config");
  if (options.total_steps < options.config.batch_size()) {
    throw Error(fmt::format("--steps {} is below one rollout batch (num_envs * rollout_steps = {})", options.total_steps,
                            options.config.batch_size()));
  }
  Trainer t(options);
  return t.run(on_progress);
}

}  // namespace autoscale::rl
