#include "policies/aws_scaling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/error.hpp"

namespace autoscale {

Adjustment parse_adjustment(const std::string& spec_text, const std::string& key, const std::string& text) {
  Adjustment a;
  std::string number = text;
  for (const std::string suffix : {"pct", "%"}) {
    if (number.size() > suffix.size() && number.ends_with(suffix)) {
      number.resize(number.size() - suffix.size());
      a.percent = true;
      break;
    }
  }
  const auto* end = number.data() + number.size();
  auto [p, ec] = std::from_chars(number.data(), end, a.value);
  const bool whole = a.percent || a.value == std::floor(a.value);
  if (ec != std::errc() || p != end || !(a.value >= 0) || !whole || a.value > 1e6) {
    throw Error(
        fmt::format("policy '{}': {} adjustment must be a machine count (e.g. 3) or a percentage "
                    "(e.g. 30pct), got '{}'",
                    spec_text, key, text));
  }
  return a;
}

int adjustment_machines(const Adjustment& a, int capacity, int min_magnitude) {
  if (!a.percent) return static_cast<int>(a.value);
  if (a.value == 0) return 0;
  const double v = capacity * a.value / 100.0;
  const int m = v >= 1 ? static_cast<int>(std::floor(v)) : (v > 0 ? 1 : 0);
  return std::max(m, min_magnitude);
}

}  // namespace autoscale
