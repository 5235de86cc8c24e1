#pragma once
// A small fully connected network (tanh hidden layers, linear output) for PPO's actor and critic.
//
// All parameters sit in one flat vector so that Adam, gradient-norm clipping and checkpoints see a
// single array; layers are Eigen::Map views into it. Layout, for l = 0 .. num_layers()-1:
//   W_l (sizes[l+1] x sizes[l], column-major), then b_l (sizes[l+1]).
// The gradient vector has the same layout. Batches are column-major, one column per sample.
//
// Instantiated for float (training and serving) and double (gradient checks) in mlp.cpp, so that
// users do not all recompile Eigen's products.
#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace autoscale::rl {

template <typename Scalar>
class Mlp {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  using MatrixMap = Eigen::Map<Matrix>;
  using ConstMatrixMap = Eigen::Map<const Matrix>;
  using VectorMap = Eigen::Map<Vector>;
  using ConstVectorMap = Eigen::Map<const Vector>;

  // Scratch for infer()/infer_one(): kept apart from the training caches so that serving never
  // disturbs a forward/backward pair, and owned by the caller so that infer() can be const and
  // thread-safe. Grows to the largest batch seen, then never allocates again.
  struct Workspace {
    Vector ping, pong;
  };

  // sizes = {inputs, hidden..., outputs}; at least two entries, all positive. Parameters are zero
  // until init_orthogonal() or an assignment to params().
  explicit Mlp(std::vector<int> sizes);

  const std::vector<int>& sizes() const { return sizes_; }
  int num_layers() const { return static_cast<int>(sizes_.size()) - 1; }
  int input_size() const { return sizes_.front(); }
  int output_size() const { return sizes_.back(); }
  Eigen::Index num_params() const { return params_.size(); }

  // The flat vectors. Their values may be changed freely, their sizes must not.
  Vector& params() { return params_; }
  const Vector& params() const { return params_; }
  Vector& grads() { return grads_; }
  const Vector& grads() const { return grads_; }

  MatrixMap weight(int l) { return {params_.data() + w_off_[l], sizes_[l + 1], sizes_[l]}; }
  ConstMatrixMap weight(int l) const { return {params_.data() + w_off_[l], sizes_[l + 1], sizes_[l]}; }
  VectorMap bias(int l) { return {params_.data() + b_off_[l], sizes_[l + 1]}; }
  ConstVectorMap bias(int l) const { return {params_.data() + b_off_[l], sizes_[l + 1]}; }
  MatrixMap weight_grad(int l) { return {grads_.data() + w_off_[l], sizes_[l + 1], sizes_[l]}; }
  ConstMatrixMap weight_grad(int l) const { return {grads_.data() + w_off_[l], sizes_[l + 1], sizes_[l]}; }
  VectorMap bias_grad(int l) { return {grads_.data() + b_off_[l], sizes_[l + 1]}; }
  ConstVectorMap bias_grad(int l) const { return {grads_.data() + b_off_[l], sizes_[l + 1]}; }

  // CleanRL's layer_init: orthogonal weights scaled by hidden_gain (sqrt(2) in PPO) for the hidden
  // layers and output_gain (0.01 for a policy, 1 for a value head) for the last one; zero biases.
  // The same seed gives the same parameters on every platform, and a float network gets the rounded
  // values of a double one with equal gains: the work is done in double, on Gaussians from our own
  // Box-Muller over std::mt19937_64 (std::normal_distribution differs between standard libraries).
  void init_orthogonal(std::uint64_t seed, Scalar hidden_gain, Scalar output_gain);

  // Training pass: returns the outputs (output_size() x B) and keeps every layer's activations for
  // backward(). The reference stays valid until the next forward().
  const Matrix& forward(const Eigen::Ref<const Matrix>& x);

  // Adds d(loss)/d(params) for the last forward() to grads(), summed over the batch columns (scale
  // d_out to get a mean). The second form also writes d(loss)/d(input) to d_in (resized).
  void backward(const Eigen::Ref<const Matrix>& d_out);
  void backward(const Eigen::Ref<const Matrix>& d_out, Matrix& d_in);
  void zero_grad() { grads_.setZero(); }

  // Serving passes: no caches touched, no allocation once `ws` and `out` have their sizes.
  // The overloads without a workspace use one per thread.
  void infer(const Eigen::Ref<const Matrix>& x, Matrix& out, Workspace& ws) const;
  void infer(const Eigen::Ref<const Matrix>& x, Matrix& out) const;
  // One sample as matrix-vector products, the fastest way to act in a single environment.
  void infer_one(const Eigen::Ref<const Vector>& x, Eigen::Ref<Vector> out, Workspace& ws) const;
  void infer_one(const Eigen::Ref<const Vector>& x, Eigen::Ref<Vector> out) const;

 private:
  // Activations (acts[0] = input copy, acts[l] = layer l output) and backpropagated pre-activation
  // gradients for one batch size. A few sizes are kept because PPO alternates between the
  // minibatch size and a shorter last minibatch; rebuilding buffers every time would allocate.
  struct Cache {
    Eigen::Index batch = -1;
    std::vector<Matrix> acts;
    std::vector<Matrix> deltas;
  };
  static constexpr std::size_t kMaxCaches = 4;

  Cache& cache_for(Eigen::Index batch);
  void backward_impl(const Eigen::Ref<const Matrix>& d_out, Matrix* d_in);

  std::vector<int> sizes_;
  std::vector<Eigen::Index> w_off_, b_off_;
  int max_hidden_ = 0;
  Vector params_, grads_;
  std::vector<Cache> caches_;
  std::size_t current_ = 0;       // the cache of the last forward()
  std::size_t next_evict_ = 0;    // round-robin victim once kMaxCaches sizes are cached
  bool have_forward_ = false;
};

extern template class Mlp<float>;
extern template class Mlp<double>;

}  // namespace autoscale::rl
