#include "rl/optimizer.hpp"

#include <stdexcept>

#include "core/error.hpp"

namespace autoscale::rl {
namespace {

std::vector<float> to_vec(const FlatVector<float>& v) { return {v.data(), v.data() + v.size()}; }
FlatVector<float> from_vec(const std::vector<float>& v) {
  return Eigen::Map<const FlatVector<float>>(v.data(), static_cast<Eigen::Index>(v.size()));
}

}  // namespace

namespace {

std::variant<Adam<float>, RmsProp<float>> make_optimizer(Optimizer kind, Eigen::Index n, float lr) {
  if (kind == Optimizer::kAdam) {
    AdamOptions<float> o;
    o.lr = lr;
    return Adam<float>(n, o);
  }
  RmsPropOptions<float> o;
  o.lr = lr;
  return RmsProp<float>(n, o);
}

}  // namespace

NetworkOptimizer::NetworkOptimizer(Optimizer kind, Eigen::Index n, float lr) : opt_(make_optimizer(kind, n, lr)) {}

void NetworkOptimizer::step(Eigen::Ref<FlatVector<float>> params, const Eigen::Ref<const FlatVector<float>>& grads) {
  std::visit([&](auto& o) { o.step(params, grads); }, opt_);
}

float NetworkOptimizer::learning_rate() const {
  return std::visit([](const auto& o) { return o.learning_rate(); }, opt_);
}

void NetworkOptimizer::set_learning_rate(float lr) {
  std::visit([&](auto& o) { o.set_learning_rate(lr); }, opt_);
}

nlohmann::json NetworkOptimizer::state_json() const {
  if (const auto* a = std::get_if<Adam<float>>(&opt_)) {
    return {{"kind", "adam"}, {"m", to_vec(a->state().m)}, {"v", to_vec(a->state().v)}, {"t", a->state().t}};
  }
  const auto& r = std::get<RmsProp<float>>(opt_);
  return {{"kind", "rmsprop"}, {"v", to_vec(r.state().v)}, {"t", r.state().t}};
}

void NetworkOptimizer::load_state_json(const nlohmann::json& j) {
  try {
    if (auto* a = std::get_if<Adam<float>>(&opt_)) {
      if (j.at("kind") != "adam") throw Error("checkpoint holds another optimizer's state");
      a->set_state({from_vec(j.at("m").get<std::vector<float>>()), from_vec(j.at("v").get<std::vector<float>>()),
                    j.at("t").get<std::int64_t>()});
    } else {
      if (j.at("kind") != "rmsprop") throw Error("checkpoint holds another optimizer's state");
      std::get<RmsProp<float>>(opt_).set_state({from_vec(j.at("v").get<std::vector<float>>()), j.at("t").get<std::int64_t>()});
    }
  } catch (const std::invalid_argument& e) {
    throw Error(e.what());
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("optimizer state: ") + e.what());
  }
}

}  // namespace autoscale::rl
