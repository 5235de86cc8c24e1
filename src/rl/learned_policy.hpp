#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "env/features.hpp"
#include "policies/policy.hpp"
#include "rl/agent.hpp"
#include "rl/base_controller.hpp"
#include "rl/categorical.hpp"

namespace autoscale::rl {

// How often the guardrail stepped in during the episode so far.
struct GuardrailCounts {
  std::int64_t floor_minutes = 0;     // the network's fleet was below the floor
  std::int64_t fallback_minutes = 0;  // an observation was out of distribution: the fallback decided
};

// A trained agent acting deterministically (each head's most likely choice), as the seed's
// endpoint serves it, inside its guardrail (rl/guardrail.hpp). It builds its observations itself
// from what it sees each minute, so it runs in any environment of a compatible scenario, whatever
// that environment's own observation.
class LearnedPolicy final : public Policy {
 public:
  LearnedPolicy(std::shared_ptr<const Agent> agent, const ServiceParams& params);
  void reset(const Env& env) override;
  Action act(const Env& env) override;
  const GuardrailCounts& guardrail_counts() const { return counts_; }
  std::vector<std::pair<std::string, std::int64_t>> counters() const override {
    return {{"guardrail_floor_minutes", counts_.floor_minutes}, {"guardrail_fallback_minutes", counts_.fallback_minutes}};
  }

 private:
  std::shared_ptr<const Agent> agent_;
  MultiCategorical<float> dist_;
  Features features_;
  BaseController base_;
  GuardrailCounts counts_;
  std::int64_t seen_minute_ = -1;
  Eigen::MatrixXf obs_, logits_;
  Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic> choice_;
  Mlp<float>::Workspace ws_;
};

// Loads `path` once per process and shares it between policy instances; a file rewritten since
// (another modification time or size) is loaded again.
std::shared_ptr<const Agent> load_agent_cached(const std::string& path);

}  // namespace autoscale::rl
