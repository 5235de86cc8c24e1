#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "distributed/fixed_point.hpp"

namespace autoscale::distributed {
namespace {

// K partials summed as R ranks would: each rank adds its K/R shards, then the ranks' totals are
// added in an order that depends on R. The fixed-point totals agree bit for bit for every R.
TEST(FixedPoint, SumDoesNotDependOnHowShardsAreGroupedIntoRanks) {
  constexpr int kShards = 16, kLen = 257;
  std::mt19937 gen(7);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<std::vector<float>> partials(kShards, std::vector<float>(kLen));
  double max_abs = 0;
  for (auto& p : partials) {
    for (int i = 0; i < kLen; ++i) {
      // Magnitudes over many decades, as a gradient's entries are.
      p[static_cast<std::size_t>(i)] = n(gen) * std::pow(10.0f, static_cast<float>(i % 9) - 6);
      max_abs = std::max(max_abs, std::abs(static_cast<double>(p[static_cast<std::size_t>(i)])));
    }
  }
  const int e = fixed_point_exponent(max_abs, kShards);
  std::vector<std::vector<std::int64_t>> by_ranks;
  for (int ranks : {1, 2, 4, 8, 16}) {
    std::vector<std::vector<std::int64_t>> rank_sums(static_cast<std::size_t>(ranks), std::vector<std::int64_t>(kLen, 0));
    for (int s = 0; s < kShards; ++s) add_fixed(partials[static_cast<std::size_t>(s)], e, rank_sums[static_cast<std::size_t>(s / (kShards / ranks))]);
    std::vector<std::int64_t> total(kLen, 0);
    for (int r = ranks - 1; r >= 0; --r) {  // the reduction tree's order is not ours to choose
      for (int i = 0; i < kLen; ++i) total[static_cast<std::size_t>(i)] += rank_sums[static_cast<std::size_t>(r)][static_cast<std::size_t>(i)];
    }
    by_ranks.push_back(total);
  }
  for (const auto& t : by_ranks) EXPECT_EQ(t, by_ranks.front());
  // And the total is the exact sum within 16 roundings of half a unit (2^-e <= max * 2^-46): far
  // better than a float's precision, relative to the largest partial.
  for (int i = 0; i < kLen; ++i) {
    double exact = 0;
    for (const auto& p : partials) exact += static_cast<double>(p[static_cast<std::size_t>(i)]);
    EXPECT_NEAR(from_fixed(by_ranks.front()[static_cast<std::size_t>(i)], e), exact, max_abs * 0x1p-42) << i;
  }
}

// Float sums in the ranks' order would not agree: the reason for the fixed point.
TEST(FixedPoint, FloatSumsInAnotherOrderDiffer) {
  const std::vector<float> x = {1e8f, 1.0f, -1e8f, 1.0f};
  const float in_order = ((x[0] + x[1]) + x[2]) + x[3];
  const float pairwise = (x[0] + x[1]) + (x[2] + x[3]);
  EXPECT_NE(in_order, pairwise);
  const int e = fixed_point_exponent(1e8, 4);
  // The same four partials of one gradient entry, grouped as two ranks and as one.
  const std::int64_t two_ranks = (to_fixed(x[0], e) + to_fixed(x[1], e)) + (to_fixed(x[2], e) + to_fixed(x[3], e));
  std::vector<std::int64_t> c(1, 0);
  for (float v : x) add_fixed(std::vector<float>{v}, e, c);
  EXPECT_EQ(two_ranks, c[0]);
  EXPECT_EQ(from_fixed(c[0], e), 2.0);
}

TEST(FixedPoint, TheLargestPartialsCannotOverflow) {
  for (std::int64_t addends : {1, 2, 3, 16, 1000}) {
    for (double m : {1e-30, 0.7, 1.0, 3.5e4, 1e30}) {
      const int e = fixed_point_exponent(m, addends);
      const std::int64_t q = to_fixed(m, e);
      int headroom = 0;
      while ((std::int64_t{1} << headroom) < addends) ++headroom;
      EXPECT_GE(q, std::int64_t{1} << (kFixedPointBits - headroom - 1)) << m;  // the bits are used...
      EXPECT_LT(q * addends, std::int64_t{1} << kFixedPointBits) << m << " x " << addends;  // ...and never overflow
    }
  }
  EXPECT_EQ(fixed_point_exponent(0.0, 4), 0);
  EXPECT_THROW(fixed_point_exponent(std::numeric_limits<double>::infinity(), 4), Error);
  EXPECT_THROW(fixed_point_exponent(std::nan(""), 4), Error);
}

TEST(FixedPoint, RoundingIsToNearestEvenLikeLlrint) {
  std::mt19937_64 gen(11);
  std::uniform_real_distribution<double> u(-0x1p50, 0x1p50);
  for (int i = 0; i < 100000; ++i) {
    const double y = i % 3 == 0 ? u(gen) : u(gen) * 1e-12;
    ASSERT_EQ(round_small(y), std::llrint(y)) << y;
  }
  // And back: integers below 2^51 to doubles, exactly.
  const std::vector<std::int64_t> q = {0, 1, -1, 12345, -987654321, (std::int64_t{1} << 51) - 1, -((std::int64_t{1} << 51) - 1)};
  std::vector<float> back(q.size());
  from_fixed(q, 3, back);
  for (std::size_t i = 0; i < q.size(); ++i) EXPECT_EQ(back[i], static_cast<float>(static_cast<double>(q[i]) / 8)) << q[i];
  for (double tie : {0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0x1p50 + 0.5}) EXPECT_EQ(round_small(tie), std::llrint(tie)) << tie;
}

}  // namespace
}  // namespace autoscale::distributed
