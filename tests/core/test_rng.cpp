// The random streams (core/rng): the ziggurat normal's moments, tails and histogram.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "core/rng.hpp"

namespace autoscale {
namespace {

TEST(Rng, ZigguratNormalHasTheRightMomentsAndTails) {
  Rng r(123);
  const int n = 2'000'000;
  double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  int beyond2 = 0, beyond3 = 0, beyond_r = 0;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    s1 += z;
    s2 += z * z;
    s3 += z * z * z;
    s4 += z * z * z * z;
    beyond2 += std::abs(z) > 2;
    beyond3 += std::abs(z) > 3;
    beyond_r += std::abs(z) > 3.6541528853610088;
  }
  EXPECT_NEAR(s1 / n, 0, 5 * std::sqrt(1.0 / n));
  EXPECT_NEAR(s2 / n, 1, 5 * std::sqrt(2.0 / n));
  EXPECT_NEAR(s3 / n, 0, 5 * std::sqrt(15.0 / n));
  EXPECT_NEAR(s4 / n, 3, 5 * std::sqrt(96.0 / n));
  // P(|Z| > 2) = 0.0455003, P(|Z| > 3) = 0.0026998, P(|Z| > R) = 0.000258 (the tail sampler).
  EXPECT_NEAR(beyond2 / double(n), 0.0455003, 5 * std::sqrt(0.0455 / n));
  EXPECT_NEAR(beyond3 / double(n), 0.0026998, 5 * std::sqrt(0.0027 / n));
  EXPECT_NEAR(beyond_r / double(n), 0.000258, 5 * std::sqrt(0.000258 / n));
}

TEST(Rng, ZigguratHistogramMatchesTheNormalCdf) {
  Rng r(7);
  const int n = 1'000'000;
  std::vector<int> bins(16, 0);  // [-4, 4) in steps of 0.5
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    if (z >= -4 && z < 4) bins[static_cast<std::size_t>((z + 4) / 0.5)]++;
  }
  const auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  for (int b = 0; b < 16; ++b) {
    const double p = cdf(-4 + 0.5 * (b + 1)) - cdf(-4 + 0.5 * b);
    EXPECT_NEAR(bins[b] / double(n), p, 5 * std::sqrt(p * (1 - p) / n) + 1e-6) << "bin " << b;
  }
}

}  // namespace
}  // namespace autoscale
