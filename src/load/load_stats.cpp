#include "load/load_stats.hpp"

#include <algorithm>
#include <cmath>

namespace autoscale {

double percentile_sorted(std::span<const double> s, double q) {
  if (s.empty()) return 0;
  const double pos = q / 100.0 * static_cast<double>(s.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - static_cast<double>(lo));
}

LoadStats load_stats(std::span<const double> x, std::int64_t spike_starts, double minutes_per_day) {
  LoadStats st;
  const std::size_t n = x.size();
  if (n == 0) return st;
  std::vector<double> sorted(x.begin(), x.end());
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double v : x) sum += v;
  st.mean_load = sum / static_cast<double>(n);
  st.p50_load = percentile_sorted(sorted, 50);
  st.p99_load = percentile_sorted(sorted, 99);
  st.min_load = sorted.front();
  st.max_load = sorted.back();
  st.spike_starts_per_day = static_cast<double>(spike_starts) / (static_cast<double>(n) / minutes_per_day);

  const auto day = static_cast<std::size_t>(minutes_per_day);
  double ratio_sum = 0;
  std::size_t days = 0;
  for (std::size_t b = 0; b + day <= n; b += day) {
    const auto [mn, mx] = std::minmax_element(x.begin() + static_cast<std::ptrdiff_t>(b),
                                              x.begin() + static_cast<std::ptrdiff_t>(b + day));
    if (*mn > 0) {
      ratio_sum += *mx / *mn;
      ++days;
    }
  }
  st.daily_peak_to_trough = days ? ratio_sum / static_cast<double>(days) : 0;

  double num = 0, den = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = x[i] - st.mean_load;
    den += d * d;
    if (i + 1 < n) num += d * (x[i + 1] - st.mean_load);
  }
  st.lag1_autocorr = den > 0 ? num / den : 0;
  return st;
}

std::vector<std::pair<std::string, double>> named(const LoadStats& s) {
  return {{"mean_load", s.mean_load},
          {"p50_load", s.p50_load},
          {"p99_load", s.p99_load},
          {"max_load", s.max_load},
          {"min_load", s.min_load},
          {"spike_starts_per_day", s.spike_starts_per_day},
          {"daily_peak_to_trough", s.daily_peak_to_trough},
          {"lag1_autocorr", s.lag1_autocorr}};
}

}  // namespace autoscale
