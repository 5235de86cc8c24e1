#pragma once
#include <nlohmann/json.hpp>

#include <variant>

#include "rl/adam.hpp"
#include "rl/ppo_config.hpp"
#include "rl/rmsprop.hpp"

namespace autoscale::rl {

// The optimizer of one network, Adam or RMSprop as the config says, with its state as JSON for
// checkpoints (a resumed run continues bit for bit).
class NetworkOptimizer {
 public:
  NetworkOptimizer(Optimizer kind, Eigen::Index num_params, float learning_rate);
  void step(Eigen::Ref<FlatVector<float>> params, const Eigen::Ref<const FlatVector<float>>& grads);
  float learning_rate() const;
  void set_learning_rate(float lr);
  nlohmann::json state_json() const;
  void load_state_json(const nlohmann::json& j);  // throws Error on a state of another shape or kind

 private:
  std::variant<Adam<float>, RmsProp<float>> opt_;
};

}  // namespace autoscale::rl
