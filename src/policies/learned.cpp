#include "policies/learned.hpp"

#include <fmt/format.h>

#include <map>
#include <mutex>

#include "core/error.hpp"

namespace autoscale {

LearnedPolicy::LearnedPolicy(std::shared_ptr<const rl::Agent> agent, const ServiceParams& params)
    : agent_(std::move(agent)), features_(params, agent_->features) {
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
}

Action LearnedPolicy::act(const Env& env) {
  if (env.info().minute != seen_minute_) {
    features_.update(env.info(), env.fleet());
    seen_minute_ = env.info().minute;
  }
  const auto v = features_.values();
  const Eigen::Map<const Eigen::MatrixXf> raw(v.data(), agent_->obs_dim, 1);
  agent_->normalize(raw, obs_);
  agent_->actor.infer(obs_, logits_, ws_);
  // The mode of each head: argmax over its slice of the logits.
  int offset = 0;
  for (std::size_t h = 0; h < agent_->head_sizes.size(); ++h) {
    const int n = agent_->head_sizes[h];
    Eigen::Index best = 0;
    logits_.col(0).segment(offset, n).maxCoeff(&best);
    choice_(static_cast<Eigen::Index>(h), 0) = static_cast<int>(best);
    offset += n;
  }
  return agent_->action.decode(choice_.data(), env);
}

std::shared_ptr<const rl::Agent> load_agent_cached(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const rl::Agent>> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[path];
  if (!slot) slot = std::make_shared<const rl::Agent>(rl::load_model(path));
  return slot;
}

}  // namespace autoscale
