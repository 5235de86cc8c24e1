// The observation and reward normalizers (rl/normalizer.hpp) against plain two-pass statistics.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "rl/normalizer.hpp"

namespace autoscale::rl {
namespace {

TEST(RunningMeanStd, BatchedUpdatesEqualTheStatisticsOfAllSamples) {
  // Chan's parallel update over batches of 1, 7 and 50 columns equals the mean and (population)
  // variance of every sample at once, up to the 1e-4 prior count Gym starts from.
  std::mt19937 gen(3);
  std::normal_distribution<float> a(5, 2), b(-1, 0.5);
  RunningMeanStd rms(2);
  std::vector<float> xs, ys;
  for (int n : {1, 7, 50, 3}) {
    Eigen::MatrixXf batch(2, n);
    for (int j = 0; j < n; ++j) {
      batch(0, j) = a(gen);
      batch(1, j) = b(gen);
      xs.push_back(batch(0, j));
      ys.push_back(batch(1, j));
    }
    rms.update(batch);
  }
  const auto stats = [](const std::vector<float>& v) {
    double m = 0, s = 0;
    for (float x : v) m += x;
    m /= static_cast<double>(v.size());
    for (float x : v) s += (x - m) * (x - m);
    return std::pair{m, s / static_cast<double>(v.size())};
  };
  const auto [mx, vx] = stats(xs);
  const auto [my, vy] = stats(ys);
  EXPECT_NEAR(rms.count(), 61 + 1e-4, 1e-9);
  EXPECT_NEAR(rms.mean()(0), mx, 1e-4);
  EXPECT_NEAR(rms.mean()(1), my, 1e-4);
  EXPECT_NEAR(rms.var()(0), vx, 1e-3);
  EXPECT_NEAR(rms.var()(1), vy, 1e-3);
  // normalize: (x - mean) / sqrt(var + 1e-8), clipped.
  Eigen::MatrixXf x(2, 2), out(2, 2);
  x << static_cast<float>(mx), 1000, static_cast<float>(my), static_cast<float>(my + std::sqrt(vy));
  rms.normalize(x, out, 10);
  EXPECT_NEAR(out(0, 0), 0, 1e-3);
  EXPECT_EQ(out(0, 1), 10);  // clipped
  EXPECT_NEAR(out(1, 1), 1, 1e-3);
}

TEST(ReturnScaler, DividesByTheRunningSdOfTheDiscountedReturnAndResetsOnDone) {
  ReturnScaler s(1, 0.5);
  std::vector<double> r = {2};
  s.scale(r, {0});
  // One return, 2, over the prior (mean 0, var 1, count 1e-4): var = (1e-4 * 1 + 0 + 2^2 * 1e-4 *
  // 1 / 1.0001) / 1.0001, and the reward is divided by its square root.
  const double var = (1e-4 + 4 * 1e-4 / 1.0001) / 1.0001;
  EXPECT_NEAR(s.inverse_scale(), std::sqrt(var + 1e-8), 1e-12);
  EXPECT_NEAR(r[0], 2 / std::sqrt(var + 1e-8), 1e-6);
  EXPECT_DOUBLE_EQ(s.returns()[0], 2);
  r = {1};
  s.scale(r, {1});  // running return 2 * 0.5 + 1 = 2, then the episode ends
  EXPECT_NEAR(r[0], 1 / s.inverse_scale(), 1e-9);
  EXPECT_DOUBLE_EQ(s.returns()[0], 0);
  EXPECT_NEAR(s.stats().count(), 2 + 1e-4, 1e-9);
}

}  // namespace
}  // namespace autoscale::rl
