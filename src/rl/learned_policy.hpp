#pragma once
#include <memory>
#include <string>

#include "env/features.hpp"
#include "policies/policy.hpp"
#include "rl/agent.hpp"
#include "rl/categorical.hpp"

namespace autoscale::rl {

// A trained agent acting deterministically (each head's most likely choice), as the seed's
// endpoint serves it. It builds its observations itself from what it sees each minute, so it runs
// in any environment of a compatible scenario, whatever that environment's own observation.
class LearnedPolicy final : public Policy {
 public:
  LearnedPolicy(std::shared_ptr<const Agent> agent, const ServiceParams& params);
  void reset(const Env& env) override;
  Action act(const Env& env) override;

 private:
  std::shared_ptr<const Agent> agent_;
  MultiCategorical<float> dist_;
  Features features_;
  std::int64_t seen_minute_ = -1;
  Eigen::MatrixXf obs_, logits_;
  Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> choice_;
  Mlp<float>::Workspace ws_;
};

// Loads `path` once per process and shares it between policy instances.
std::shared_ptr<const Agent> load_agent_cached(const std::string& path);

}  // namespace autoscale::rl
