#pragma once
// A product of independent categorical distributions, one per action head (the autoscaler's
// action is (add, remove), two heads of 11 choices each by default). Logits are the heads' rows
// stacked in order, one column per sample; actions are num_heads() x B integers, each in
// [0, head size). All logits must be finite.
//
// The log-probability and entropy of a sample are sums over heads, which is what PPO's ratio and
// entropy bonus use. backward() turns their upstream gradients into d(loss)/d(logits) for the
// policy network.
//
// The methods that need softmax share an internal workspace (so that exp() runs vectorised over the
// whole logits matrix with no allocation once the batch size is stable): one object per thread.
#include <Eigen/Dense>

#include <vector>

namespace autoscale::rl {

template <typename Scalar>
class MultiCategorical {
 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  using Actions = Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>;

  // Throws std::invalid_argument unless there is at least one head and every size is positive.
  explicit MultiCategorical(std::vector<int> head_sizes);

  const std::vector<int>& head_sizes() const { return sizes_; }
  int num_heads() const { return static_cast<int>(sizes_.size()); }
  int num_logits() const { return num_logits_; }

  // Per-head log-softmax of every column (out is resized to the logits' shape).
  void log_softmax(const Eigen::Ref<const Matrix>& logits, Matrix& out);

  // Per column b: logp(b) = sum over heads of log p_h(actions(h, b)); entropy(b) = sum of the
  // heads' entropies. Outputs have one entry per column and must be sized by the caller.
  void log_prob(const Eigen::Ref<const Matrix>& logits, const Eigen::Ref<const Actions>& actions,
                Eigen::Ref<Vector> logp);
  void entropy(const Eigen::Ref<const Matrix>& logits, Eigen::Ref<Vector> entropy);
  void log_prob_entropy(const Eigen::Ref<const Matrix>& logits, const Eigen::Ref<const Actions>& actions,
                        Eigen::Ref<Vector> logp, Eigen::Ref<Vector> entropy);

  // Given d_logp(b) = dL/dlogp(b) and d_entropy(b) = dL/dentropy(b), writes (does not add)
  // dL/dlogits into d_logits, which must have the logits' shape (it may be the logits themselves).
  void backward(const Eigen::Ref<const Matrix>& logits, const Eigen::Ref<const Actions>& actions,
                const Eigen::Ref<const Vector>& d_logp, const Eigen::Ref<const Vector>& d_entropy,
                Eigen::Ref<Matrix> d_logits);
  // The same for the logits of the most recent log_prob(), entropy(), log_prob_entropy(),
  // log_softmax() or sample() call, whose softmax is still in the workspace: PPO evaluates a
  // minibatch, forms its loss, then differentiates the same logits, and this skips half the work.
  void backward(const Eigen::Ref<const Actions>& actions, const Eigen::Ref<const Vector>& d_logp,
                const Eigen::Ref<const Vector>& d_entropy, Eigen::Ref<Matrix> d_logits);

  // Inverse-CDF sampling with the caller's uniforms (num_heads() x B, in [0, 1)), so that the
  // caller's random stream alone decides the actions. A category whose probability underflows
  // (below the smallest normal number) is never chosen, not even for u = 0 or a u rounded up to 1.
  // The second form also returns the samples' logp, which a rollout stores for PPO's ratio.
  void sample(const Eigen::Ref<const Matrix>& logits, const Eigen::Ref<const Matrix>& uniforms,
              Eigen::Ref<Actions> actions);
  void sample(const Eigen::Ref<const Matrix>& logits, const Eigen::Ref<const Matrix>& uniforms,
              Eigen::Ref<Actions> actions, Eigen::Ref<Vector> logp);

  // The deterministic action: each head's most likely category (the first on ties).
  void mode(const Eigen::Ref<const Matrix>& logits, Eigen::Ref<Actions> actions) const;

 private:
  // Fills ls_ with the per-head log-softmax and p_ with the probabilities of each column.
  void prepare(const Eigen::Ref<const Matrix>& logits);

  std::vector<int> sizes_;
  std::vector<int> offsets_;
  int num_logits_ = 0;
  Matrix ls_, p_;
  Vector scratch_logp_;
};

extern template class MultiCategorical<float>;
extern template class MultiCategorical<double>;

}  // namespace autoscale::rl
