#pragma once
// Deterministic sums of floating-point partials across ranks. Floating-point addition is not
// associative, so summing per-shard gradients in whatever order MPI's reduction tree picks (it
// depends on the rank count) would give a different model for every R. Instead each partial is
// turned into a 64-bit integer at a common binary scale 2^e, the integers are added (exactly,
// in any order and grouping: MPI_SUM over MPI_INT64_T), and the total is scaled back. The scale
// comes from the largest magnitude over all partials (an MPI_MAX, itself order-free), chosen so
// that `addends` values of that size stay below 2^51: the sum keeps 51 - ceil(log2(addends))
// significant bits relative to the largest partial (47 for 16 shards), far more than a float's 24,
// and below 2^51 rounding to an integer is one addition (the 1.5 * 2^52 trick), which vectorizes.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

#include "core/error.hpp"

namespace autoscale::distributed {

inline constexpr int kFixedPointBits = 51;  // every partial and every sum stays below 2^51

// The exponent e for partials of magnitude at most `max_abs`, `addends` of them per element.
// Throws Error on a non-finite max_abs (a diverged gradient).
inline int fixed_point_exponent(double max_abs, std::int64_t addends) {
  if (!std::isfinite(max_abs)) throw Error("fixed-point sum: a partial is not finite");
  if (max_abs == 0) return 0;
  int headroom = 0;  // ceil(log2(addends))
  while ((std::int64_t{1} << headroom) < addends) ++headroom;
  const int top = std::ilogb(max_abs) + 1;  // max_abs < 2^top
  // Float partials are at least 2^-149 when not 0, so this bound (which keeps 2^e a normal
  // double) only matters for doubles smaller than any float.
  return std::min(kFixedPointBits - headroom - top, 1000);
}

// y rounded to the nearest integer (ties to even) for |y| < 2^51: adding 1.5 * 2^52 leaves y's
// integer part in the low mantissa bits, in the current rounding mode (nearest, never changed here).
inline std::int64_t round_small(double y) {
  constexpr double kMagic = 0x1.8p52;
  return std::bit_cast<std::int64_t>(y + kMagic) - std::bit_cast<std::int64_t>(kMagic);
}

// x * 2^exponent as an integer; multiplying by a power of two is exact.
inline std::int64_t to_fixed(double x, int exponent) { return round_small(x * std::ldexp(1.0, exponent)); }
inline double from_fixed(std::int64_t q, int exponent) { return static_cast<double>(q) * std::ldexp(1.0, -exponent); }

// Adds `partial` at `exponent` into `sum` (element-wise).
inline void add_fixed(std::span<const float> partial, int exponent, std::span<std::int64_t> sum) {
  const double scale = std::ldexp(1.0, exponent);
  for (std::size_t i = 0; i < partial.size(); ++i) sum[i] += round_small(static_cast<double>(partial[i]) * scale);
}

// sum * 2^-exponent into `out` (element-wise); |sum| < 2^51, so the integer becomes a double by
// the same trick backwards (exact), which vectorizes where a plain conversion does not (AVX2).
inline void from_fixed(std::span<const std::int64_t> sum, int exponent, std::span<float> out) {
  constexpr double kMagic = 0x1.8p52;
  const std::int64_t magic_bits = std::bit_cast<std::int64_t>(kMagic);
  const double inv = std::ldexp(1.0, -exponent);
  for (std::size_t i = 0; i < sum.size(); ++i) {
    out[i] = static_cast<float>((std::bit_cast<double>(sum[i] + magic_bits) - kMagic) * inv);
  }
}

}  // namespace autoscale::distributed
