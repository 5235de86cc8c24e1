#include "rl/mlp.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace autoscale::rl {

namespace {

// Standard normals from std::mt19937_64 (whose output the standard fixes) through Box-Muller,
// because std::normal_distribution's algorithm is left to each library and would make "the same
// seed" mean different networks on different toolchains.
class Gaussian {
 public:
  explicit Gaussian(std::uint64_t seed) : gen_(seed) {}

  double operator()() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = open_unit();
    const double u2 = open_unit();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(theta);
    has_spare_ = true;
    return r * std::cos(theta);
  }

 private:
  // In (0, 1): zero would send log() to -inf.
  double open_unit() { return (static_cast<double>(gen_() >> 11) + 0.5) * 0x1.0p-53; }

  std::mt19937_64 gen_;
  double spare_ = 0;
  bool has_spare_ = false;
};

// A rows x cols matrix with orthonormal columns (rows >= cols) or rows (rows < cols), as PyTorch's
// orthogonal_: QR of a Gaussian matrix, with Q's columns multiplied by sign(diag(R)) so that the
// result is Haar-distributed rather than biased by the QR convention.
Eigen::MatrixXd orthogonal(Eigen::Index rows, Eigen::Index cols, Gaussian& gauss) {
  const bool wide = rows < cols;
  const Eigen::Index m = wide ? cols : rows;
  const Eigen::Index n = wide ? rows : cols;
  Eigen::MatrixXd a(m, n);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < m; ++i) a(i, j) = gauss();
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(m, n);
  for (Eigen::Index j = 0; j < n; ++j)
    if (qr.matrixQR()(j, j) < 0) q.col(j) = -q.col(j);
  if (wide) q.transposeInPlace();
  return q;
}

// out = W_l in + b_l: the bias is written first and the product accumulated onto it, so the bias costs
// one streaming pass. (colwise() assignment, because bias.replicate(1, B) is evaluated coefficient by
// coefficient with an index modulo and is ~40x slower.)
template <typename Net, typename In, typename Out>
void affine(const Net& net, int l, const In& in, Out&& out) {
  if constexpr (std::decay_t<Out>::ColsAtCompileTime == 1) {
    out = net.bias(l);
  } else {
    out.colwise() = net.bias(l);
  }
  out.noalias() += net.weight(l) * in;
}

template <typename Out>
void activate(Out&& a) {
  a = a.array().tanh();
}

}  // namespace

template <typename Scalar>
Mlp<Scalar>::Mlp(std::vector<int> sizes) : sizes_(std::move(sizes)) {
  if (sizes_.size() < 2) throw std::invalid_argument("Mlp: need at least an input and an output size");
  Eigen::Index offset = 0;
  for (std::size_t l = 0; l + 1 < sizes_.size(); ++l) {
    if (sizes_[l] <= 0 || sizes_[l + 1] <= 0)
      throw std::invalid_argument("Mlp: layer sizes must be positive, got " + std::to_string(sizes_[l]) +
                                  " -> " + std::to_string(sizes_[l + 1]));
    w_off_.push_back(offset);
    offset += Eigen::Index(sizes_[l + 1]) * sizes_[l];
    b_off_.push_back(offset);
    offset += sizes_[l + 1];
  }
  for (std::size_t l = 1; l + 1 < sizes_.size(); ++l) max_hidden_ = std::max(max_hidden_, sizes_[l]);
  params_ = Vector::Zero(offset);
  grads_ = Vector::Zero(offset);
}

template <typename Scalar>
void Mlp<Scalar>::init_orthogonal(std::uint64_t seed, Scalar hidden_gain, Scalar output_gain) {
  Gaussian gauss(seed);
  const int layers = num_layers();
  for (int l = 0; l < layers; ++l) {
    // Gains are applied in double too, so a float network is exactly the rounded double one.
    const double gain = static_cast<double>(l + 1 < layers ? hidden_gain : output_gain);
    weight(l) = (gain * orthogonal(sizes_[l + 1], sizes_[l], gauss)).template cast<Scalar>();
    bias(l).setZero();
  }
}

template <typename Scalar>
typename Mlp<Scalar>::Cache& Mlp<Scalar>::cache_for(Eigen::Index batch) {
  for (std::size_t i = 0; i < caches_.size(); ++i) {
    if (caches_[i].batch == batch) {
      current_ = i;
      return caches_[i];
    }
  }
  if (caches_.size() < kMaxCaches) {
    caches_.emplace_back();
    current_ = caches_.size() - 1;
  } else {
    current_ = next_evict_;
    next_evict_ = (next_evict_ + 1) % kMaxCaches;
  }
  Cache& c = caches_[current_];
  const int layers = num_layers();
  c.batch = batch;
  c.acts.resize(layers + 1);
  c.deltas.resize(layers + 1);
  for (int l = 0; l <= layers; ++l) {
    c.acts[l].resize(sizes_[l], batch);
    // Only hidden layers need a stored delta: the output's is d_out, the input's goes to d_in.
    if (l > 0 && l < layers) c.deltas[l].resize(sizes_[l], batch);
  }
  return c;
}

template <typename Scalar>
const typename Mlp<Scalar>::Matrix& Mlp<Scalar>::forward(const Eigen::Ref<const Matrix>& x) {
  eigen_assert(x.rows() == input_size());
  Cache& c = cache_for(x.cols());
  // Copied, not referenced: the caller may overwrite its buffer before calling backward().
  c.acts[0] = x;
  const int layers = num_layers();
  for (int l = 0; l < layers; ++l) {
    affine(*this, l, c.acts[l], c.acts[l + 1]);
    if (l + 1 < layers) activate(c.acts[l + 1]);
  }
  have_forward_ = true;
  return c.acts[layers];
}

template <typename Scalar>
void Mlp<Scalar>::backward(const Eigen::Ref<const Matrix>& d_out) {
  backward_impl(d_out, nullptr);
}

template <typename Scalar>
void Mlp<Scalar>::backward(const Eigen::Ref<const Matrix>& d_out, Matrix& d_in) {
  backward_impl(d_out, &d_in);
}

template <typename Scalar>
void Mlp<Scalar>::backward_impl(const Eigen::Ref<const Matrix>& d_out, Matrix* d_in) {
  if (!have_forward_) throw std::logic_error("Mlp::backward called before forward");
  Cache& c = caches_[current_];
  eigen_assert(d_out.rows() == output_size() && d_out.cols() == c.batch);
  const int layers = num_layers();
  for (int l = layers - 1; l >= 0; --l) {
    // dz = d(loss)/d(pre-activation of layer l's output), output_size() x B for the last layer.
    const Eigen::Ref<const Matrix> dz = l == layers - 1 ? d_out : Eigen::Ref<const Matrix>(c.deltas[l + 1]);
    weight_grad(l).noalias() += dz * c.acts[l].transpose();
    bias_grad(l) += dz.rowwise().sum();
    if (l > 0) {
      Matrix& d = c.deltas[l];
      d.noalias() = weight(l).transpose() * dz;
      // tanh' = 1 - tanh^2, from the stored activation.
      d.array() *= Scalar(1) - c.acts[l].array().square();
    } else if (d_in != nullptr) {
      d_in->resize(input_size(), c.batch);
      d_in->noalias() = weight(0).transpose() * dz;
    }
  }
}

template <typename Scalar>
void Mlp<Scalar>::infer(const Eigen::Ref<const Matrix>& x, Matrix& out, Workspace& ws) const {
  eigen_assert(x.rows() == input_size());
  const Eigen::Index batch = x.cols();
  const int layers = num_layers();
  out.resize(output_size(), batch);
  if (layers == 1) {
    affine(*this, 0, x, out);
    return;
  }
  const Eigen::Index need = Eigen::Index(max_hidden_) * batch;
  if (ws.ping.size() < need) {
    ws.ping.resize(need);
    ws.pong.resize(need);
  }
  Scalar* prev = ws.ping.data();
  Scalar* next = ws.pong.data();
  affine(*this, 0, x, MatrixMap(prev, sizes_[1], batch));
  activate(MatrixMap(prev, sizes_[1], batch));
  for (int l = 1; l + 1 < layers; ++l) {
    MatrixMap h(next, sizes_[l + 1], batch);
    affine(*this, l, ConstMatrixMap(prev, sizes_[l], batch), h);
    activate(h);
    std::swap(prev, next);
  }
  affine(*this, layers - 1, ConstMatrixMap(prev, sizes_[layers - 1], batch), out);
}

template <typename Scalar>
void Mlp<Scalar>::infer(const Eigen::Ref<const Matrix>& x, Matrix& out) const {
  thread_local Workspace ws;
  infer(x, out, ws);
}

template <typename Scalar>
void Mlp<Scalar>::infer_one(const Eigen::Ref<const Vector>& x, Eigen::Ref<Vector> out, Workspace& ws) const {
  eigen_assert(x.size() == input_size() && out.size() == output_size());
  const int layers = num_layers();
  if (layers == 1) {
    affine(*this, 0, x, out);
    return;
  }
  if (ws.ping.size() < max_hidden_) {
    ws.ping.resize(max_hidden_);
    ws.pong.resize(max_hidden_);
  }
  Scalar* prev = ws.ping.data();
  Scalar* next = ws.pong.data();
  affine(*this, 0, x, VectorMap(prev, sizes_[1]));
  activate(VectorMap(prev, sizes_[1]));
  for (int l = 1; l + 1 < layers; ++l) {
    VectorMap h(next, sizes_[l + 1]);
    affine(*this, l, ConstVectorMap(prev, sizes_[l]), h);
    activate(h);
    std::swap(prev, next);
  }
  affine(*this, layers - 1, ConstVectorMap(prev, sizes_[layers - 1]), out);
}

template <typename Scalar>
void Mlp<Scalar>::infer_one(const Eigen::Ref<const Vector>& x, Eigen::Ref<Vector> out) const {
  thread_local Workspace ws;
  infer_one(x, out, ws);
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace autoscale::rl
