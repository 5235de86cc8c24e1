#include "rl/learned_policy.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "core/error.hpp"
#include "rl/decision.hpp"

namespace autoscale::rl {

LearnedPolicy::LearnedPolicy(std::shared_ptr<const Agent> agent, const ServiceParams& params)
    : agent_(std::move(agent)),
      dist_(agent_->head_sizes),
      features_(params, agent_->features),
      base_(agent_->action, params) {
  if (features_.dim() != agent_->obs_dim) {
    throw Error(fmt::format("model expects {} observation values but this scenario gives {} (warmup_latency differs?)",
                            agent_->obs_dim, features_.dim()));
  }
  if (agent_->action.head_sizes(params) != agent_->head_sizes) {
    throw Error("model's action heads do not fit this scenario's max_machine_delta");
  }
  obs_.resize(agent_->obs_dim, 1);
  choice_.resize(static_cast<Eigen::Index>(agent_->head_sizes.size()), 1);
}

void LearnedPolicy::reset(const Env& env) {
  features_.reset();
  features_.update(env.info(), env.fleet());
  seen_minute_ = env.info().minute;
  counts_ = {};
  base_.reset(env);
}

Action LearnedPolicy::act(const Env& env) {
  if (env.info().minute != seen_minute_) {
    features_.update(env.info(), env.fleet());
    seen_minute_ = env.info().minute;
  }
  const Guardrail& g = agent_->guardrail;
  base_.observe(env);
  const auto v = features_.values();
  const Eigen::Map<const Eigen::MatrixXf> raw(v.data(), agent_->obs_dim, 1);
  if (g.fallback && agent_->obs_range.outside(raw, g.ood_margin)) {
    ++counts_.fallback_minutes;
    // A residual policy falls back on its own classical controller.
    return base_.active() ? base_.action() : g.fallback_action(env, features_);
  }
  agent_->normalize(raw, obs_);
  agent_->actor.infer(obs_, logits_, ws_);
  dist_.mode(logits_, choice_);
  const Decision d = decide(agent_->action, g, Stage::kDeployment, choice_.data(), env, features_, base_);
  if (d.floored) ++counts_.floor_minutes;
  return d.action;
}

std::shared_ptr<const Agent> load_agent_cached(const std::string& path) {
  // Keyed by the file's modification time and size as well as its path, so that a model saved again
  // under the same name (a Python session retraining and re-evaluating) is read again, not served stale.
  std::error_code ec;
  const auto stamp = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
  const auto size = std::filesystem::file_size(path, ec);
  const std::string version = fmt::format("{}:{}", stamp, ec ? 0 : size);
  static std::mutex mu;
  static std::map<std::string, std::pair<std::string, std::shared_ptr<const Agent>>> cache;
  std::lock_guard lock(mu);
  auto& [seen, agent] = cache[path];
  if (!agent || seen != version) {
    agent = std::make_shared<const Agent>(load_model(path));
    seen = version;
  }
  return agent;
}

}  // namespace autoscale::rl
