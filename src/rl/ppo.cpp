#include "rl/ppo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "core/output_file.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "env/vec_env.hpp"
#include "policies/run_episode.hpp"
#include "rl/learned_policy.hpp"
#include "rl/adam.hpp"
#include "rl/agent.hpp"
#include "service/outcome.hpp"

namespace autoscale::rl {

using Eigen::Index;
using Eigen::MatrixXf;
using Eigen::VectorXf;
using Actions = Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>;

std::string to_csv(const ProgressRow& r) {
  const auto opt = [](const std::optional<double>& v) { return v ? fmt::format("{:.2f}", *v) : std::string(); };
  return fmt::format("{},{:.3f},{:.0f},{},{},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g},{:.6g}\n", r.steps, r.seconds,
                     r.steps_per_second, opt(r.train_profit), opt(r.validation_profit), r.policy_loss, r.value_loss,
                     r.entropy, r.approx_kl, r.clip_fraction, r.learning_rate);
}

double validate(const Agent& agent, const Scenario& scenario, std::uint64_t first_seed, int episodes, int threads) {
  if (episodes <= 0) return 0;
  auto shared = std::make_shared<const Agent>(agent);
  std::vector<double> profit(static_cast<std::size_t>(episodes));
  const Env prototype = scenario.make_env();
  ThreadPool pool(std::max(1, std::min(threads, episodes)));
  pool.parallel_for(episodes, [&](std::int64_t b, std::int64_t e) {
    Env env(prototype);
    LearnedPolicy policy(shared, scenario.service);
    for (auto i = b; i < e; ++i) profit[static_cast<std::size_t>(i)] = run_episode(env, policy, first_seed + static_cast<std::uint64_t>(i)).profit;
  });
  return std::accumulate(profit.begin(), profit.end(), 0.0) / episodes;
}

namespace {

std::uint64_t train_seed_base(std::uint64_t seed) { return seed * 1'000'003ULL + 17; }

// One thread's share of a minibatch: replicas of the networks (their forward caches and gradient
// buffers are per thread) and the loss terms' running sums.
struct UpdateWorker {
  UpdateWorker(const Mlp<float>& a, const Mlp<float>& c, const MultiCategorical<float>& d) : actor(a), critic(c), dist(d) {}
  Mlp<float> actor, critic;
  MultiCategorical<float> dist;
  MatrixXf x, d_logits, d_v;
  Actions a;
  VectorXf old_logp, adv, ret, logp, ent, d_logp, d_ent;
  double pg = 0, v = 0, ent_sum = 0, kl = 0, clipped = 0;
};

class Trainer {
 public:
  Trainer(const TrainOptions& o)
      : o_(o),
        c_(o.config),
        proto_(o.scenario.service, o.scenario.make_load(), c_.features),
        pool_(proto_, c_.num_envs, train_seed_base(o.seed), o.threads),
        agent_(c_.features, c_.action, proto_.obs_dim(), c_.action.head_sizes(o.scenario.service), c_.hidden,
               c_.normalize_obs, stream_seed(o.seed, static_cast<std::uint64_t>(Stream::kTraining))),
        adam_actor_(agent_.actor.num_params(), {static_cast<float>(c_.learning_rate)}),
        adam_critic_(agent_.critic.num_params(), {static_cast<float>(c_.learning_rate)}),
        dist_(agent_.head_sizes),
        returns_(c_.num_envs, c_.gamma),
        shuffle_rng_(stream_seed(o.seed, 100)) {
    const int n = c_.num_envs;
    for (int i = 0; i < n; ++i) env_rng_.emplace_back(stream_seed(o.seed, 1000 + static_cast<std::uint64_t>(i)));
    const Index b = c_.batch_size(), dim = agent_.obs_dim, heads = static_cast<Index>(agent_.head_sizes.size());
    obs_.resize(dim, b);
    acts_.resize(heads, b);
    logp_.resize(b);
    values_.resize(b);
    rewards_.resize(b);
    done_.resize(b);
    adv_.resize(b);
    ret_.resize(b);
    uniforms_.resize(heads, n);
    env_actions_.resize(static_cast<std::size_t>(n));
    iterations_ = std::max<std::int64_t>(1, o.total_steps / b);
    agent_.info = {{"scenario", o.scenario.name}, {"seed", o.seed}, {"algorithm", c_.algorithm}, {"preset", c_.preset}};
    pool_.reset();
  }

  TrainResult run(const std::function<void(const ProgressRow&)>& on_progress);

 private:
  void rollout();
  void advantages();
  ProgressRow update();
  void save_checkpoint(std::int64_t resume_iteration, double seconds);
  void load_checkpoint();
  void write_progress_file();

  const TrainOptions& o_;
  PpoConfig c_;
  Env proto_;
  VecEnv pool_;
  Agent agent_;
  Adam<float> adam_actor_, adam_critic_;
  MultiCategorical<float> dist_;
  ReturnScaler returns_;
  Rng shuffle_rng_;
  std::vector<Rng> env_rng_;
  bool expected_reward_ = c_.reward == "expected";
  std::int64_t iterations_ = 0, iteration_ = 0, steps_ = 0;
  double seconds_before_ = 0;  // wall time of earlier sessions of a resumed run
  std::optional<double> best_validation_;
  std::int64_t next_validation_ = 0, next_checkpoint_ = 0;
  std::vector<double> finished_profits_;
  std::string progress_rows_;

  MatrixXf obs_, logits_, raw_final_, norm_final_, vals_;
  Actions acts_;
  VectorXf logp_, values_, rewards_, adv_, ret_;
  std::vector<std::uint8_t> done_;
  MatrixXf uniforms_;
  std::vector<Action> env_actions_;
  Mlp<float>::Workspace ws_;
  std::vector<std::unique_ptr<UpdateWorker>> workers_;
};

void Trainer::rollout() {
  const int n = c_.num_envs;
  const Index dim = agent_.obs_dim;
  std::vector<double> r(static_cast<std::size_t>(n));
  std::vector<std::uint8_t> d(static_cast<std::size_t>(n));
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic> logp_step(1, n);
  for (int t = 0; t < c_.rollout_steps; ++t) {
    const Index col = static_cast<Index>(t) * n;
    const Eigen::Map<const MatrixXf> raw(pool_.observations().data(), dim, n);
    if (c_.normalize_obs) agent_.obs_stats.update(raw);
    auto obs = obs_.middleCols(col, n);
    agent_.normalize(raw, obs);
    agent_.actor.infer(obs, logits_, ws_);
    for (int i = 0; i < n; ++i) {
      for (Index h = 0; h < uniforms_.rows(); ++h) uniforms_(h, i) = static_cast<float>(env_rng_[static_cast<std::size_t>(i)].uniform());
    }
    dist_.sample(logits_, uniforms_, acts_.middleCols(col, n), logp_.segment(col, n));
    agent_.critic.infer(obs, vals_, ws_);
    values_.segment(col, n) = vals_.row(0).transpose();
    for (int i = 0; i < n; ++i) env_actions_[static_cast<std::size_t>(i)] = agent_.action.decode(&acts_(0, col + i), pool_.env(i));
    pool_.step(env_actions_);
    for (int i = 0; i < n; ++i) {
      const StepInfo& info = pool_.infos()[static_cast<std::size_t>(i)];
      r[static_cast<std::size_t>(i)] = expected_reward_ ? expected_minute_reward(o_.scenario.service, info.load, info.active)
                                                        : pool_.rewards()[static_cast<std::size_t>(i)];
      d[static_cast<std::size_t>(i)] = pool_.terminated()[static_cast<std::size_t>(i)] || pool_.truncated()[static_cast<std::size_t>(i)];
    }
    if (c_.normalize_reward) returns_.scale(r, d);
    // A time limit is not a terminal state: bootstrap from the value of the episode's last observation.
    for (int i = 0; i < n; ++i) {
      if (!pool_.truncated()[static_cast<std::size_t>(i)] || pool_.terminated()[static_cast<std::size_t>(i)]) continue;
      raw_final_ = Eigen::Map<const MatrixXf>(pool_.final_observations().data() + static_cast<Index>(i) * dim, dim, 1);
      norm_final_.resize(dim, 1);
      agent_.normalize(raw_final_, norm_final_);
      MatrixXf v;
      agent_.critic.infer(norm_final_, v, ws_);
      r[static_cast<std::size_t>(i)] += c_.gamma * v(0, 0);
    }
    for (int i = 0; i < n; ++i) {
      rewards_(col + i) = static_cast<float>(r[static_cast<std::size_t>(i)]);
      done_[static_cast<std::size_t>(col + i)] = d[static_cast<std::size_t>(i)];
    }
    for (const auto& f : pool_.take_finished()) finished_profits_.push_back(f.profit);
  }
  steps_ += c_.batch_size();
}

void Trainer::advantages() {
  const int n = c_.num_envs, T = c_.rollout_steps;
  const Index dim = agent_.obs_dim;
  MatrixXf next_obs(dim, n);
  agent_.normalize(Eigen::Map<const MatrixXf>(pool_.observations().data(), dim, n), next_obs);
  agent_.critic.infer(next_obs, vals_, ws_);
  for (int i = 0; i < n; ++i) {
    float last = 0;
    for (int t = T - 1; t >= 0; --t) {
      const Index k = static_cast<Index>(t) * n + i;
      const float next_value = t == T - 1 ? vals_(0, i) : values_(k + n);
      const float nonterminal = done_[static_cast<std::size_t>(k)] ? 0.0f : 1.0f;
      const float delta = rewards_(k) + static_cast<float>(c_.gamma) * next_value * nonterminal - values_(k);
      last = delta + static_cast<float>(c_.gamma * c_.gae_lambda) * nonterminal * last;
      adv_(k) = last;
    }
  }
  ret_ = adv_ + values_;
}

ProgressRow Trainer::update() {
  const Index b = c_.batch_size(), mb = b / c_.minibatches;
  const int W = static_cast<int>(std::min<Index>(pool_.pool().size(), mb));
  if (workers_.empty()) {
    for (int w = 0; w < W; ++w) workers_.push_back(std::make_unique<UpdateWorker>(agent_.actor, agent_.critic, dist_));
  }
  std::vector<Index> idx(static_cast<std::size_t>(b));
  std::iota(idx.begin(), idx.end(), 0);
  VectorXf adv(mb);
  const float clip = static_cast<float>(c_.clip), inv_mb = 1.0f / static_cast<float>(mb);
  int batches = 0;
  for (auto& w : workers_) w->pg = w->v = w->ent_sum = w->kl = w->clipped = 0;
  for (int epoch = 0; epoch < c_.epochs; ++epoch) {
    for (Index i = b - 1; i > 0; --i) std::swap(idx[static_cast<std::size_t>(i)], idx[shuffle_rng_.below(static_cast<std::uint64_t>(i) + 1)]);
    for (Index start = 0; start < b; start += mb) {
      for (Index j = 0; j < mb; ++j) adv(j) = adv_(idx[static_cast<std::size_t>(start + j)]);
      if (c_.normalize_advantages && mb > 1) {
        const float mean = adv.mean();
        const float sd = std::sqrt((adv.array() - mean).square().sum() / static_cast<float>(mb - 1));
        adv = (adv.array() - mean) / (sd + 1e-8f);
      }
      pool_.pool().parallel_for(W, [&](std::int64_t wb, std::int64_t we) {
        for (auto wi = wb; wi < we; ++wi) {
          UpdateWorker& w = *workers_[static_cast<std::size_t>(wi)];
          const Index lo = mb * wi / W, n = mb * (wi + 1) / W - lo;
          w.actor.params() = agent_.actor.params();
          w.critic.params() = agent_.critic.params();
          w.x.resize(agent_.obs_dim, n);
          w.a.resize(acts_.rows(), n);
          w.old_logp.resize(n);
          w.adv = adv.segment(lo, n);
          w.ret.resize(n);
          for (Index j = 0; j < n; ++j) {
            const Index k = idx[static_cast<std::size_t>(start + lo + j)];
            w.x.col(j) = obs_.col(k);
            w.a.col(j) = acts_.col(k);
            w.old_logp(j) = logp_(k);
            w.ret(j) = ret_(k);
          }
          // Actor: clipped surrogate and entropy bonus, differentiated by hand; every term is
          // scaled by the whole minibatch so the workers' gradients add up to the minibatch's.
          const MatrixXf& logits = w.actor.forward(w.x);
          w.logp.resize(n);
          w.ent.resize(n);
          w.d_logp.resize(n);
          w.d_ent.resize(n);
          w.dist.log_prob_entropy(logits, w.a, w.logp, w.ent);
          for (Index j = 0; j < n; ++j) {
            const float log_ratio = w.logp(j) - w.old_logp(j);
            const float ratio = std::exp(log_ratio);
            const float unclipped = -w.adv(j) * ratio;
            const float clipped_term = -w.adv(j) * std::clamp(ratio, 1 - clip, 1 + clip);
            w.pg += std::max(unclipped, clipped_term) * inv_mb;
            // The gradient flows only where the unclipped term is the larger one.
            w.d_logp(j) = unclipped >= clipped_term ? -w.adv(j) * ratio * inv_mb : 0.0f;
            w.d_ent(j) = -static_cast<float>(c_.ent_coef) * inv_mb;
            w.kl += ((ratio - 1) - log_ratio) * inv_mb;
            w.clipped += (std::abs(ratio - 1) > clip) * inv_mb;
          }
          w.ent_sum += w.ent.sum() * inv_mb;
          w.d_logits.resize(logits.rows(), n);
          w.dist.backward(w.a, w.d_logp, w.d_ent, w.d_logits);
          w.actor.zero_grad();
          w.actor.backward(w.d_logits);
          // Critic: squared error to the GAE returns.
          const MatrixXf& v = w.critic.forward(w.x);
          w.d_v = (v.row(0) - w.ret.transpose()) * static_cast<float>(c_.vf_coef) * inv_mb;
          w.v += 0.5 * (v.row(0) - w.ret.transpose()).squaredNorm() * inv_mb;
          w.critic.zero_grad();
          w.critic.backward(w.d_v);
        }
      });
      agent_.actor.grads() = workers_[0]->actor.grads();
      agent_.critic.grads() = workers_[0]->critic.grads();
      for (int wi = 1; wi < W; ++wi) {
        agent_.actor.grads() += workers_[static_cast<std::size_t>(wi)]->actor.grads();
        agent_.critic.grads() += workers_[static_cast<std::size_t>(wi)]->critic.grads();
      }
      const float norm = clip_grad_norm({&agent_.actor.grads(), &agent_.critic.grads()}, static_cast<float>(c_.max_grad_norm));
      if (!std::isfinite(norm)) {
        throw Error(fmt::format("training diverged at step {}: gradient norm is {} (lower learning_rate or check the "
                                "scenario's reward scale)", steps_, norm));
      }
      adam_actor_.step(agent_.actor.params(), agent_.actor.grads());
      adam_critic_.step(agent_.critic.params(), agent_.critic.grads());
      ++batches;
    }
  }
  ProgressRow row;
  for (const auto& w : workers_) {
    row.policy_loss += w->pg / batches;
    row.value_loss += w->v / batches;
    row.entropy += w->ent_sum / batches;
    row.approx_kl += w->kl / batches;
    row.clip_fraction += w->clipped / batches;
  }
  row.learning_rate = adam_actor_.learning_rate();
  return row;
}

nlohmann::json rng_json(const Rng& r) { return r.state(); }
void rng_from_json(Rng& r, const nlohmann::json& j) { r.set_state(j.get<std::array<std::uint64_t, 4>>()); }

nlohmann::json adam_json(const Adam<float>& a) {
  const auto& s = a.state();
  return {{"m", std::vector<float>(s.m.data(), s.m.data() + s.m.size())},
          {"v", std::vector<float>(s.v.data(), s.v.data() + s.v.size())},
          {"t", s.t}};
}
void adam_from_json(Adam<float>& a, const nlohmann::json& j) {
  Adam<float>::State s;
  const auto m = j.at("m").get<std::vector<float>>(), v = j.at("v").get<std::vector<float>>();
  s.m = Eigen::Map<const VectorXf>(m.data(), static_cast<Index>(m.size()));
  s.v = Eigen::Map<const VectorXf>(v.data(), static_cast<Index>(v.size()));
  s.t = j.at("t").get<decltype(s.t)>();
  a.set_state(std::move(s));
}

void Trainer::save_checkpoint(std::int64_t resume_iteration, double seconds) {
  nlohmann::json histories = nlohmann::json::array();
  for (int i = 0; i < c_.num_envs; ++i) {
    std::vector<int> flat;
    for (const Action& a : pool_.history(i)) {
      flat.push_back(a.add);
      flat.push_back(a.remove);
    }
    histories.push_back(flat);
  }
  nlohmann::json env_rngs = nlohmann::json::array();
  for (const auto& r : env_rng_) env_rngs.push_back(rng_json(r));
  const auto& rs = returns_.stats();
  nlohmann::json payload = {
      {"model", model_to_string(agent_)},
      {"adam_actor", adam_json(adam_actor_)},
      {"adam_critic", adam_json(adam_critic_)},
      {"return_running", returns_.returns()},
      {"return_stats", {rs.mean()(0), rs.var()(0), rs.count()}},
      {"shuffle_rng", rng_json(shuffle_rng_)},
      {"env_rngs", env_rngs},
      {"iteration", resume_iteration},
      {"steps", steps_},
      {"seconds", seconds},
      {"best_validation", best_validation_ ? nlohmann::json(*best_validation_) : nlohmann::json()},
      {"next_validation", next_validation_},
      {"next_checkpoint", next_checkpoint_},
      {"episode_counts", pool_.episode_counts()},
      {"histories", histories},
      {"finished_profits", finished_profits_},
      {"config", to_toml(c_)},
      {"seed", o_.seed},
      {"total_steps", o_.total_steps},
      {"threads", o_.threads},
      {"scenario", o_.scenario.name},
  };
  const std::string body = payload.dump();
  write_file_atomic(o_.out_dir / "checkpoint.json",
                    nlohmann::json({{"format", "autoscale-checkpoint"}, {"version", 1}, {"checksum", fnv1a64_hex(body)}}).dump() +
                        "\n" + body + "\n");
}

void Trainer::load_checkpoint() {
  const auto path = o_.out_dir / "checkpoint.json";
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("--resume: no checkpoint at {}", path.string()));
  std::string header, body;
  std::getline(in, header);
  std::getline(in, body);
  nlohmann::json h, p;
  try {
    h = nlohmann::json::parse(header);
    if (h.value("format", "") != "autoscale-checkpoint" || h.value("checksum", "") != fnv1a64_hex(body)) {
      throw Error(fmt::format("{}: checkpoint is corrupt (format or checksum mismatch)", path.string()));
    }
    p = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: checkpoint is corrupt: {}", path.string(), e.what()));
  }
  if (p.at("config").get<std::string>() != to_toml(c_) || p.at("seed").get<std::uint64_t>() != o_.seed ||
      p.at("scenario").get<std::string>() != o_.scenario.name || p.at("total_steps").get<std::int64_t>() != o_.total_steps ||
      p.at("threads").get<int>() != o_.threads) {
    throw Error(fmt::format("{}: checkpoint was made with scenario '{}', seed {}, --steps {}, --threads {} and its own "
                            "config.toml; resume with the same ones (a different value would change the run)",
                            path.string(), p.at("scenario").get<std::string>(), p.at("seed").get<std::uint64_t>(),
                            p.at("total_steps").get<std::int64_t>(), p.at("threads").get<int>()));
  }
  agent_ = model_from_string(p.at("model").get<std::string>(), path.string());
  adam_from_json(adam_actor_, p.at("adam_actor"));
  adam_from_json(adam_critic_, p.at("adam_critic"));
  returns_.returns() = p.at("return_running").get<std::vector<double>>();
  const auto rs = p.at("return_stats").get<std::vector<double>>();
  returns_.stats().set(Eigen::VectorXd::Constant(1, rs[0]), Eigen::VectorXd::Constant(1, rs[1]), rs[2]);
  rng_from_json(shuffle_rng_, p.at("shuffle_rng"));
  for (std::size_t i = 0; i < env_rng_.size(); ++i) rng_from_json(env_rng_[i], p.at("env_rngs").at(i));
  iteration_ = p.at("iteration").get<std::int64_t>();
  steps_ = p.at("steps").get<std::int64_t>();
  seconds_before_ = p.at("seconds").get<double>();
  if (!p.at("best_validation").is_null()) best_validation_ = p.at("best_validation").get<double>();
  next_validation_ = p.at("next_validation").get<std::int64_t>();
  next_checkpoint_ = p.at("next_checkpoint").get<std::int64_t>();
  finished_profits_ = p.at("finished_profits").get<std::vector<double>>();
  std::vector<std::vector<Action>> histories;
  for (const auto& hj : p.at("histories")) {
    const auto flat = hj.get<std::vector<int>>();
    std::vector<Action> acts;
    for (std::size_t k = 0; k + 1 < flat.size(); k += 2) acts.push_back({flat[k], flat[k + 1]});
    histories.push_back(std::move(acts));
  }
  pool_.restore(p.at("episode_counts").get<std::vector<std::int64_t>>(), histories);
  // Keep the progress rows up to the checkpoint; later ones belong to the lost stretch.
  std::ifstream prog(o_.out_dir / "progress.csv");
  std::string line;
  std::getline(prog, line);
  while (std::getline(prog, line)) {
    // Keep whole rows only: a row torn by a kill has fewer fields or an unparsable step count.
    if (std::count(line.begin(), line.end(), ',') != 10) continue;
    std::int64_t row_steps = 0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.find(','), row_steps);
    if (ec == std::errc() && end == line.data() + line.find(',') && row_steps <= steps_) progress_rows_ += line + "\n";
  }
}

void Trainer::write_progress_file() { write_file_atomic(o_.out_dir / "progress.csv", std::string(kProgressHeader) + progress_rows_); }

TrainResult Trainer::run(const std::function<void(const ProgressRow&)>& on_progress) {
  std::filesystem::create_directories(o_.out_dir);
  if (o_.resume) {
    load_checkpoint();
  } else {
    // A stale checkpoint of an earlier run here must never be resumed as this one's.
    std::filesystem::remove(o_.out_dir / "checkpoint.json");
    next_validation_ = c_.validation_every_steps;
    next_checkpoint_ = c_.checkpoint_every_steps;
  }
  write_file_atomic(o_.out_dir / "config.toml", to_toml(c_));
  const auto t0 = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return seconds_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  std::ofstream progress_append;
  write_progress_file();
  progress_append.open(o_.out_dir / "progress.csv", std::ios::app);
  for (; iteration_ < iterations_; ++iteration_) {
    if (c_.anneal_lr) {
      const float frac = 1.0f - static_cast<float>(iteration_) / static_cast<float>(iterations_);
      adam_actor_.set_learning_rate(static_cast<float>(c_.learning_rate) * frac);
      adam_critic_.set_learning_rate(static_cast<float>(c_.learning_rate) * frac);
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
      const double v = validate(agent_, o_.scenario, c_.validation_seed, c_.validation_episodes, o_.threads);
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
    const std::string line = to_csv(row);
    progress_rows_ += line;
    progress_append << line << std::flush;
    if (!progress_append) throw Error(fmt::format("cannot append to {}", (o_.out_dir / "progress.csv").string()));
    if (on_progress) on_progress(row);
    if (steps_ >= next_checkpoint_ || last) {
      next_checkpoint_ += c_.checkpoint_every_steps;
      save_checkpoint(iteration_ + 1, elapsed());
    }
    if (o_.stop_after_steps > 0 && steps_ >= o_.stop_after_steps) {
      TrainResult r;
      r.steps = steps_;
      return r;
    }
  }
  agent_.info["steps"] = steps_;
  if (best_validation_) agent_.info["best_validation_profit"] = *best_validation_;
  save_model(agent_, o_.out_dir / "model");
  TrainResult r;
  r.steps = steps_;
  r.seconds = elapsed();
  r.steps_per_second = static_cast<double>(steps_) / r.seconds;
  r.best_validation_profit = best_validation_;
  return r;
}

}  // namespace

TrainResult train(const TrainOptions& options, const std::function<void(const ProgressRow&)>& on_progress) {
  if (options.total_steps < options.config.batch_size()) {
    throw Error(fmt::format("--steps {} is below one rollout batch (num_envs * rollout_steps = {})", options.total_steps,
                            options.config.batch_size()));
  }
  Trainer t(options);
  return t.run(on_progress);
}

}  // namespace autoscale::rl
