#pragma once
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace autoscale::rl {

// Running mean and variance (Chan et al.'s parallel update), as Gym's NormalizeObservation keeps
// them; saved with the model so a deployed policy sees inputs scaled exactly as in training.
class RunningMeanStd {
 public:
  explicit RunningMeanStd(int dim = 0) : mean_(Eigen::VectorXd::Zero(dim)), var_(Eigen::VectorXd::Ones(dim)) {}

  // `batch` is dim x n, one column per sample.
  void update(const Eigen::Ref<const Eigen::MatrixXf>& batch) {
    const double n = static_cast<double>(batch.cols());
    if (n == 0) return;
    const Eigen::VectorXd bmean = batch.cast<double>().rowwise().mean();
    const Eigen::VectorXd bvar =
        (batch.cast<double>().colwise() - bmean).array().square().rowwise().mean();
    const double total = count_ + n;
    const Eigen::VectorXd delta = bmean - mean_;
    mean_ += delta * (n / total);
    var_ = (var_ * count_ + bvar * n + delta.array().square().matrix() * (count_ * n / total)) / total;
    count_ = total;
  }

  // Writes clip((x - mean) / sqrt(var + eps), -clip, clip) for each column.
  void normalize(const Eigen::Ref<const Eigen::MatrixXf>& x, Eigen::Ref<Eigen::MatrixXf> out, float clip = 10) const {
    const Eigen::VectorXf m = mean_.cast<float>();
    const Eigen::VectorXf inv = (var_.array() + 1e-8).rsqrt().matrix().cast<float>();
    out = ((x.colwise() - m).array().colwise() * inv.array()).cwiseMax(-clip).cwiseMin(clip);
  }

  const Eigen::VectorXd& mean() const { return mean_; }
  const Eigen::VectorXd& var() const { return var_; }
  double count() const { return count_; }
  void set(Eigen::VectorXd mean, Eigen::VectorXd var, double count) {
    mean_ = std::move(mean);
    var_ = std::move(var);
    count_ = count;
  }

 private:
  Eigen::VectorXd mean_, var_;
  double count_ = 1e-4;
};

// The smallest and largest value of each feature seen in training, saved with the model so that a
// deployed policy can tell an input unlike anything it learned from (the guardrail's fallback).
class FeatureRange {
 public:
  explicit FeatureRange(int dim = 0)
      : lo_(Eigen::VectorXf::Constant(dim, std::numeric_limits<float>::infinity())),
        hi_(Eigen::VectorXf::Constant(dim, -std::numeric_limits<float>::infinity())) {}
  void update(const Eigen::Ref<const Eigen::MatrixXf>& batch) {
    lo_ = lo_.cwiseMin(batch.rowwise().minCoeff());
    hi_ = hi_.cwiseMax(batch.rowwise().maxCoeff());
  }
  // Whether some entry of the observation `x` (one column) lies beyond the seen range by more than
  // `margin` times that feature's range (a constant feature: by more than `margin`).
  bool outside(const Eigen::Ref<const Eigen::MatrixXf>& x, double margin) const {
    if (empty()) return false;
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const double span = std::max<double>(hi_(i) - lo_(i), 1.0) * margin;
      if (x(i, 0) < lo_(i) - span || x(i, 0) > hi_(i) + span) return true;
    }
    return false;
  }
  bool empty() const { return lo_.size() == 0 || !(lo_(0) <= hi_(0)); }
  const Eigen::VectorXf& lo() const { return lo_; }
  const Eigen::VectorXf& hi() const { return hi_; }
  void set(Eigen::VectorXf lo, Eigen::VectorXf hi) {
    lo_ = std::move(lo);
    hi_ = std::move(hi);
  }

 private:
  Eigen::VectorXf lo_, hi_;
};

// Scales rewards by the running standard deviation of the discounted return (Gym's
// NormalizeReward): the seed's rewards mix ~+3 per minute with -200 downtime minutes, and a value
// network learns far better on a unit scale.
class ReturnScaler {
 public:
  ReturnScaler(int envs = 0, double gamma = 0.99) : ret_(static_cast<std::size_t>(envs), 0.0), gamma_(gamma) {}
  // Scales one step's rewards in place; `done` ends an env's running return after this step.
  void scale(std::vector<double>& rewards, const std::vector<std::uint8_t>& done) {
    Eigen::MatrixXf batch(1, static_cast<Eigen::Index>(rewards.size()));
    for (std::size_t i = 0; i < rewards.size(); ++i) {
      ret_[i] = ret_[i] * gamma_ + rewards[i];
      batch(0, static_cast<Eigen::Index>(i)) = static_cast<float>(ret_[i]);
    }
    rms_.update(batch);
    const double inv = 1.0 / std::sqrt(rms_.var()(0) + 1e-8);
    for (std::size_t i = 0; i < rewards.size(); ++i) {
      rewards[i] *= inv;
      if (done[i]) ret_[i] = 0;
    }
  }
  double inverse_scale() const { return std::sqrt(rms_.var()(0) + 1e-8); }
  std::vector<double>& returns() { return ret_; }
  const std::vector<double>& returns() const { return ret_; }
  RunningMeanStd& stats() { return rms_; }
  const RunningMeanStd& stats() const { return rms_; }

 private:
  std::vector<double> ret_;
  double gamma_;
  RunningMeanStd rms_{1};
};

}  // namespace autoscale::rl
