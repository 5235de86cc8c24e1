#pragma once
// Deterministic sums of floating-point partials across ranks. Floating-point addition is not
// associative, so summing per-shard gradients in whatever order MPI's reduction tree picks (it
// depends on the rank count) would give a different model for every R. Instead each partial is
// turned into a 64-bit integer at a common binary scale 2^e, the integers are added (exactly,
// in any order and grouping: MPI_SUM over MPI_INT64_T), and the total is scaled back. The scale
// comes from the largest magnitude over all partials (an MPI_MAX, itself order-free), chosen so
// that `addends` values of that size cannot overflow: the sum keeps 62 - ceil(log2(addends))
// significant bits relative to the largest partial, far more than a float's 24.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

#include "core/error.hpp"

namespace autoscale::distributed {

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
  return std::min(62 - headroom - top, 1000);
}

// x * 2^exponent rounded to the nearest integer (ties to even: the default rounding mode, which
// std::llrint uses and nothing here changes). Multiplying by a power of two is exact.
inline std::int64_t to_fixed(double x, int exponent) { return std::llrint(x * std::ldexp(1.0, exponent)); }
inline double from_fixed(std::int64_t q, int exponent) { return static_cast<double>(q) * std::ldexp(1.0, -exponent); }

// Adds `partial` at `exponent` into `sum` (element-wise).
inline void add_fixed(std::span<const float> partial, int exponent, std::span<std::int64_t> sum) {
  const double scale = std::ldexp(1.0, exponent);
  for (std::size_t i = 0; i < partial.size(); ++i) sum[i] += std::llrint(static_cast<double>(partial[i]) * scale);
}

}  // namespace autoscale::distributed
