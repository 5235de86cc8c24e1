#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace autoscale {

// Per-episode statistics of a load series, as docs/seed-model.md defines them for
// checking the seed scenario against the reference implementation.
struct LoadStats {
  double mean_load = 0, p50_load = 0, p99_load = 0, max_load = 0, min_load = 0;
  double spike_starts_per_day = 0;
  double daily_peak_to_trough = 0;  // mean over whole days of max / min
  double lag1_autocorr = 0;
};

// `spike_starts` counts the minutes on which a spike started (0 where unknown).
LoadStats load_stats(std::span<const double> load, std::int64_t spike_starts, double minutes_per_day = 1440);

// Linear interpolation between order statistics (numpy's default); `sorted` must be sorted.
double percentile_sorted(std::span<const double> sorted, double q);

// Name/value pairs in the reference file's order and names.
std::vector<std::pair<std::string, double>> named(const LoadStats& s);

}  // namespace autoscale
