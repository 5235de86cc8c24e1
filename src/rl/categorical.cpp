#include "rl/categorical.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace autoscale::rl {

template <typename Scalar>
MultiCategorical<Scalar>::MultiCategorical(std::vector<int> head_sizes) : sizes_(std::move(head_sizes)) {
  if (sizes_.empty()) throw std::invalid_argument("MultiCategorical: need at least one head");
  for (int n : sizes_) {
    if (n <= 0)
      throw std::invalid_argument("MultiCategorical: head size must be positive, got " + std::to_string(n));
    offsets_.push_back(num_logits_);
    num_logits_ += n;
  }
}

// Three cheap passes over short per-head segments around one exp() over the whole contiguous matrix,
// which Eigen vectorises; a per-segment std::exp would cost more than the rest of the head together.
template <typename Scalar>
void MultiCategorical<Scalar>::prepare(const Eigen::Ref<const Matrix>& logits) {
  eigen_assert(logits.rows() == num_logits_);
  const Eigen::Index batch = logits.cols();
  ls_.resize(num_logits_, batch);
  p_.resize(num_logits_, batch);
  const int heads = num_heads();
  for (Eigen::Index b = 0; b < batch; ++b) {
    const Scalar* z = logits.col(b).data();
    Scalar* s = ls_.col(b).data();
    for (int h = 0; h < heads; ++h) {
      const int off = offsets_[h], n = sizes_[h];
      // Shift by the maximum so that exp() cannot overflow and the largest term is exactly 1.
      Scalar m = z[off];
      for (int i = 1; i < n; ++i) m = std::max(m, z[off + i]);
      for (int i = 0; i < n; ++i) s[off + i] = z[off + i] - m;
    }
  }
  p_.array() = ls_.array().exp();
  for (Eigen::Index b = 0; b < batch; ++b) {
    Scalar* s = ls_.col(b).data();
    Scalar* p = p_.col(b).data();
    for (int h = 0; h < heads; ++h) {
      const int off = offsets_[h], n = sizes_[h];
      Scalar sum = 0;
      for (int i = 0; i < n; ++i) sum += p[off + i];
      const Scalar log_sum = std::log(sum), inv_sum = Scalar(1) / sum;
      for (int i = 0; i < n; ++i) {
        s[off + i] -= log_sum;
        p[off + i] *= inv_sum;
      }
    }
  }
}

template <typename Scalar>
void MultiCategorical<Scalar>::log_softmax(const Eigen::Ref<const Matrix>& logits, Matrix& out) {
  prepare(logits);
  out = ls_;
}

template <typename Scalar>
void MultiCategorical<Scalar>::log_prob_entropy(const Eigen::Ref<const Matrix>& logits,
                                                const Eigen::Ref<const Actions>& actions,
                                                Eigen::Ref<Vector> logp, Eigen::Ref<Vector> entropy) {
  eigen_assert(actions.rows() == num_heads() && actions.cols() == logits.cols());
  eigen_assert(logp.size() == logits.cols() && entropy.size() == logits.cols());
  prepare(logits);
  const int heads = num_heads();
  for (Eigen::Index b = 0; b < logits.cols(); ++b) {
    const Scalar* s = ls_.col(b).data();
    const Scalar* p = p_.col(b).data();
    Scalar lp = 0, ent = 0;
    for (int h = 0; h < heads; ++h) {
      const int off = offsets_[h], n = sizes_[h];
      const int a = actions(h, b);
      assert(a >= 0 && a < n);
      lp += s[off + a];
      for (int i = 0; i < n; ++i) ent -= p[off + i] * s[off + i];
    }
    logp(b) = lp;
    entropy(b) = ent;
  }
}

template <typename Scalar>
void MultiCategorical<Scalar>::log_prob(const Eigen::Ref<const Matrix>& logits,
                                        const Eigen::Ref<const Actions>& actions, Eigen::Ref<Vector> logp) {
  eigen_assert(actions.rows() == num_heads() && actions.cols() == logits.cols());
  eigen_assert(logp.size() == logits.cols());
  prepare(logits);
  const int heads = num_heads();
  for (Eigen::Index b = 0; b < logits.cols(); ++b) {
    Scalar lp = 0;
    for (int h = 0; h < heads; ++h) {
      assert(actions(h, b) >= 0 && actions(h, b) < sizes_[h]);
      lp += ls_(offsets_[h] + actions(h, b), b);
    }
    logp(b) = lp;
  }
}

template <typename Scalar>
void MultiCategorical<Scalar>::entropy(const Eigen::Ref<const Matrix>& logits, Eigen::Ref<Vector> entropy) {
  eigen_assert(entropy.size() == logits.cols());
  prepare(logits);
  // H = -sum p log p, summed over the heads as well: one column-wise dot product.
  entropy = -(p_.array() * ls_.array()).colwise().sum().transpose();
}

// With log p_i = z_i - lse(z) per head:
//   dlogp/dz_i = [i = a] - p_i
//   dH/dz_i    = -p_i (log p_i + H)
template <typename Scalar>
void MultiCategorical<Scalar>::backward(const Eigen::Ref<const Matrix>& logits,
                                        const Eigen::Ref<const Actions>& actions,
                                        const Eigen::Ref<const Vector>& d_logp,
                                        const Eigen::Ref<const Vector>& d_entropy,
                                        Eigen::Ref<Matrix> d_logits) {
  prepare(logits);
  backward(actions, d_logp, d_entropy, d_logits);
}

template <typename Scalar>
void MultiCategorical<Scalar>::backward(const Eigen::Ref<const Actions>& actions,
                                        const Eigen::Ref<const Vector>& d_logp,
                                        const Eigen::Ref<const Vector>& d_entropy,
                                        Eigen::Ref<Matrix> d_logits) {
  const Eigen::Index batch = ls_.cols();
  eigen_assert(actions.rows() == num_heads() && actions.cols() == batch);
  eigen_assert(d_logp.size() == batch && d_entropy.size() == batch);
  eigen_assert(d_logits.rows() == num_logits_ && d_logits.cols() == batch);
  const int heads = num_heads();
  for (Eigen::Index b = 0; b < batch; ++b) {
    const Scalar* s = ls_.col(b).data();
    const Scalar* p = p_.col(b).data();
    Scalar* d = d_logits.col(b).data();
    const Scalar g_lp = d_logp(b), g_ent = d_entropy(b);
    for (int h = 0; h < heads; ++h) {
      const int off = offsets_[h], n = sizes_[h];
      Scalar ent = 0;
      for (int i = 0; i < n; ++i) ent -= p[off + i] * s[off + i];
      for (int i = 0; i < n; ++i) d[off + i] = -p[off + i] * (g_lp + g_ent * (s[off + i] + ent));
      const int a = actions(h, b);
      assert(a >= 0 && a < n);
      d[off + a] += g_lp;
    }
  }
}

template <typename Scalar>
void MultiCategorical<Scalar>::sample(const Eigen::Ref<const Matrix>& logits,
                                      const Eigen::Ref<const Matrix>& uniforms,
                                      Eigen::Ref<Actions> actions, Eigen::Ref<Vector> logp) {
  const Eigen::Index batch = logits.cols();
  eigen_assert(uniforms.rows() == num_heads() && uniforms.cols() == batch);
  eigen_assert(actions.rows() == num_heads() && actions.cols() == batch);
  eigen_assert(logp.size() == batch);
  prepare(logits);
  // Eigen's vectorised exp() clamps its argument, so an underflowed probability comes out as about
  // the smallest normal number instead of 0; such categories are recognised by their log-probability.
  const Scalar log_tiny = std::log(std::numeric_limits<Scalar>::min()) + 1;
  const int heads = num_heads();
  for (Eigen::Index b = 0; b < batch; ++b) {
    const Scalar* s = ls_.col(b).data();
    const Scalar* p = p_.col(b).data();
    Scalar lp = 0;
    for (int h = 0; h < heads; ++h) {
      const int off = offsets_[h], n = sizes_[h];
      const Scalar u = uniforms(h, b);
      // The first possible category whose cumulative probability exceeds u. If rounding leaves the
      // total at or below u, the last possible category (the maximum is always possible).
      int pick = -1, last_possible = 0;
      Scalar cum = 0;
      for (int i = 0; i < n; ++i) {
        if (s[off + i] <= log_tiny) continue;
        last_possible = i;
        cum += p[off + i];
        if (cum > u) {
          pick = i;
          break;
        }
      }
      if (pick < 0) pick = last_possible;
      actions(h, b) = pick;
      lp += ls_(off + pick, b);
    }
    logp(b) = lp;
  }
}

template <typename Scalar>
void MultiCategorical<Scalar>::sample(const Eigen::Ref<const Matrix>& logits,
                                      const Eigen::Ref<const Matrix>& uniforms,
                                      Eigen::Ref<Actions> actions) {
  // Reuses the logp-producing pass: the extra adds are nothing next to the exp().
  scratch_logp_.resize(logits.cols());
  sample(logits, uniforms, actions, scratch_logp_);
}

template <typename Scalar>
void MultiCategorical<Scalar>::mode(const Eigen::Ref<const Matrix>& logits,
                                    Eigen::Ref<Actions> actions) const {
  eigen_assert(logits.rows() == num_logits_);
  eigen_assert(actions.rows() == num_heads() && actions.cols() == logits.cols());
  const int heads = num_heads();
  for (Eigen::Index b = 0; b < logits.cols(); ++b) {
    const Scalar* z = logits.col(b).data();
    for (int h = 0; h < heads; ++h) {
      const int off = offsets_[h], n = sizes_[h];
      int best = 0;
      for (int i = 1; i < n; ++i)
        if (z[off + i] > z[off + best]) best = i;
      actions(h, b) = best;
    }
  }
}

template class MultiCategorical<float>;
template class MultiCategorical<double>;

}  // namespace autoscale::rl
