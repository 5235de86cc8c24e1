#pragma once
// Adam over flat parameter vectors, and gradient-norm clipping, with PyTorch's arithmetic (the
// reference CleanRL's PPO is written against) so that hyper-parameters carry over unchanged.
#include <Eigen/Dense>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace autoscale::rl {

template <typename Scalar>
using FlatVector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

template <typename Scalar>
struct AdamOptions {
  Scalar lr = Scalar(2.5e-4);
  Scalar beta1 = Scalar(0.9);
  Scalar beta2 = Scalar(0.999);
  Scalar eps = Scalar(1e-5);  // CleanRL's PPO value, not PyTorch's 1e-8 default
};

template <typename Scalar>
class Adam {
 public:
  using Vector = FlatVector<Scalar>;
  using Options = AdamOptions<Scalar>;

  // Everything a checkpoint needs to resume bit-for-bit: the moment estimates and the step count
  // (which drives the bias correction).
  struct State {
    Vector m, v;
    std::int64_t t = 0;
  };

  explicit Adam(Eigen::Index num_params, Options options = {}) : options_(options) {
    state_.m = Vector::Zero(num_params);
    state_.v = Vector::Zero(num_params);
  }

  // params -= lr * m_hat / (sqrt(v_hat) + eps), as torch.optim.Adam (eps outside the square root,
  // added after the bias correction).
  void step(Eigen::Ref<Vector> params, const Eigen::Ref<const Vector>& grads) {
    eigen_assert(params.size() == state_.m.size() && grads.size() == state_.m.size());
    const Options& o = options_;
    ++state_.t;
    // Bias corrections in double: beta2^t in float loses digits once t reaches the thousands.
    const double t = static_cast<double>(state_.t);
    const auto step_size = static_cast<Scalar>(o.lr / (1.0 - std::pow(double(o.beta1), t)));
    const auto sqrt_bc2 = static_cast<Scalar>(std::sqrt(1.0 - std::pow(double(o.beta2), t)));
    state_.m = o.beta1 * state_.m + (Scalar(1) - o.beta1) * grads;
    state_.v = o.beta2 * state_.v + (Scalar(1) - o.beta2) * grads.cwiseAbs2();
    params.array() -= step_size * state_.m.array() / (state_.v.array().sqrt() / sqrt_bc2 + o.eps);
  }

  Scalar learning_rate() const { return options_.lr; }
  // PPO anneals the rate linearly over the run; the moments are unaffected.
  void set_learning_rate(Scalar lr) { options_.lr = lr; }
  const Options& options() const { return options_; }

  const State& state() const { return state_; }
  void set_state(State s) {
    if (s.m.size() != state_.m.size() || s.v.size() != state_.v.size() || s.t < 0)
      throw std::invalid_argument("Adam::set_state: state does not match the optimiser's size");
    state_ = std::move(s);
  }
  void reset() {
    state_.m.setZero();
    state_.v.setZero();
    state_.t = 0;
  }

 private:
  Options options_;
  State state_;
};

// torch.nn.utils.clip_grad_norm_: scales all vectors together by max_norm / (norm + 1e-6) when that
// is below 1 and returns the joint L2 norm before clipping (a training diagnostic). A non-finite
// norm is returned as is and the gradients are left alone, for the caller to detect and skip.
template <typename Scalar>
Scalar clip_grad_norm(std::span<FlatVector<Scalar>* const> grads, std::type_identity_t<Scalar> max_norm) {
  Scalar sq = 0;
  for (const auto* g : grads) sq += g->squaredNorm();
  const Scalar norm = std::sqrt(sq);
  if (!std::isfinite(norm)) return norm;
  const Scalar coef = max_norm / (norm + Scalar(1e-6));
  if (coef < Scalar(1))
    for (auto* g : grads) *g *= coef;
  return norm;
}

// Actor and critic sharing one optimiser are clipped jointly: clip_grad_norm({&a, &c}, 0.5f).
template <typename Scalar>
Scalar clip_grad_norm(std::initializer_list<FlatVector<Scalar>*> grads,
                      std::type_identity_t<Scalar> max_norm) {
  return clip_grad_norm(std::span<FlatVector<Scalar>* const>(grads.begin(), grads.size()), max_norm);
}

template <typename Scalar>
Scalar clip_grad_norm(FlatVector<Scalar>& grads, std::type_identity_t<Scalar> max_norm) {
  return clip_grad_norm({&grads}, max_norm);
}

}  // namespace autoscale::rl
