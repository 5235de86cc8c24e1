#pragma once
// RMSprop over flat parameter vectors with torch.optim.RMSprop's arithmetic (no momentum, not
// centered), the optimizer of A2C in the A3C paper and in Stable-Baselines3 (alpha 0.99, eps 1e-5).
#include <Eigen/Dense>

#include <cstdint>
#include <stdexcept>
#include <utility>

#include "rl/adam.hpp"

namespace autoscale::rl {

template <typename Scalar>
struct RmsPropOptions {
  Scalar lr = Scalar(7e-4);
  Scalar alpha = Scalar(0.99);  // decay of the squared-gradient average
  Scalar eps = Scalar(1e-5);
};

template <typename Scalar>
class RmsProp {
 public:
  using Vector = FlatVector<Scalar>;
  using Options = RmsPropOptions<Scalar>;
  struct State {
    Vector v;  // running average of squared gradients
    std::int64_t t = 0;
  };

  explicit RmsProp(Eigen::Index num_params, Options options = {}) : options_(options) { state_.v = Vector::Zero(num_params); }

  // v = alpha v + (1 - alpha) g^2; params -= lr g / (sqrt(v) + eps).
  void step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grads) {
    eigen_assert(params.size() == state_.v.size() && grads.size() == state_.v.size());
    ++state_.t;
    state_.v = options_.alpha * state_.v + (Scalar(1) - options_.alpha) * grads.cwiseAbs2();
    params.array() -= options_.lr * grads.array() / (state_.v.array().sqrt() + options_.eps);
  }

  Scalar learning_rate() const { return options_.lr; }
  void set_learning_rate(Scalar lr) { options_.lr = lr; }
  const State& state() const { return state_; }
  void set_state(State s) {
    if (s.v.size() != state_.v.size() || s.t < 0)
      throw std::invalid_argument("RmsProp::set_state: state does not match the optimiser's size");
    state_ = std::move(s);
  }

 private:
  Options options_;
  State state_;
};

}  // namespace autoscale::rl
