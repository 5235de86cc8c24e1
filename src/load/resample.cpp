#include "load/resample.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "load/timestamp.hpp"
#include "load/trace_text.hpp"

namespace autoscale {
namespace {

[[noreturn]] void fail_gap(const TraceRows& rows, std::size_t i, std::int64_t missing_ms, std::int64_t max_gap,
                           const std::string& source) {
  const std::int64_t needed = (missing_ms + kMinuteMs - 1) / kMinuteMs;
  fail(source, rows.line[i],
       "gap of " + number_text(static_cast<double>(missing_ms) / kMinuteMs) +
           " minutes with no rows between " + quote_cell(rows.time_text[i - 1]) + " and " +
           quote_cell(rows.time_text[i]) + " is longer than max_gap_minutes = " + std::to_string(max_gap) +
           "; set max_gap_minutes to " + std::to_string(needed) +
           " or more to fill it by linear interpolation");
}

}  // namespace

std::int64_t most_common_step(const TraceRows& rows, const std::string& source) {
  if (rows.time_ms.size() < 2)
    fail(source, rows.line.front(), "cannot infer the interval from a single timestamped row");
  std::vector<std::int64_t> steps;
  for (std::size_t i = 1; i < rows.time_ms.size(); ++i)
    steps.push_back(rows.time_ms[i] - rows.time_ms[i - 1]);
  std::sort(steps.begin(), steps.end());
  std::int64_t best = steps.front();
  std::size_t best_count = 0;
  for (std::size_t i = 0; i < steps.size();) {
    std::size_t j = i;
    while (j < steps.size() && steps[j] == steps[i]) ++j;
    if (j - i > best_count) best = steps[i], best_count = j - i;
    i = j;
  }
  return best;
}

std::int64_t interval_from_option(double seconds, const std::string& source) {
  const double ms = seconds * 1000;
  if (!std::isfinite(ms) || ms < 1 || std::abs(ms - std::round(ms)) > 1e-6)
    fail(source,
         "interval_seconds must be a positive whole number of milliseconds, got " + number_text(seconds));
  return static_cast<std::int64_t>(std::llround(ms));
}

void check_interval(std::int64_t step_ms, const std::string& what, const std::string& source) {
  if (step_ms < kMinuteMs && kMinuteMs % step_ms != 0)
    fail(source, what + " of " + seconds_text(step_ms) +
                     " does not divide a minute evenly; cannot resample to 1 minute");
  if (step_ms > kMinuteMs && step_ms % kMinuteMs != 0)
    fail(source,
         what + " of " + seconds_text(step_ms) + " is not a whole number of minutes; cannot resample");
}

Grid fill_grid(const TraceRows& rows, std::int64_t step_ms, std::int64_t max_gap, const std::string& source) {
  Grid grid;
  grid.counts.push_back(rows.value.front());
  for (std::size_t i = 1; i < rows.value.size(); ++i) {
    const std::int64_t diff = rows.time_ms[i] - rows.time_ms[i - 1];
    if (diff % step_ms != 0)
      fail(source, rows.line[i],
           "irregular timestamp " + quote_cell(rows.time_text[i]) + ": " + seconds_text(diff) +
               " after the previous row, not a multiple of the interval (" + seconds_text(step_ms) + ")");
    const std::int64_t missing = diff / step_ms - 1;
    if (missing * step_ms > max_gap * kMinuteMs) fail_gap(rows, i, missing * step_ms, max_gap, source);
    const double a = rows.value[i - 1], b = rows.value[i];
    for (std::int64_t k = 1; k <= missing; ++k)
      grid.counts.push_back(a + (b - a) * static_cast<double>(k) / static_cast<double>(missing + 1));
    grid.filled += missing;
    grid.counts.push_back(b);
  }
  return grid;
}

std::vector<double> to_minutes(const std::vector<double>& counts, std::int64_t step_ms,
                               const std::string& source) {
  if (step_ms == kMinuteMs) return counts;
  std::vector<double> tpm;
  if (step_ms > kMinuteMs) {
    const std::int64_t per = step_ms / kMinuteMs;
    for (const double c : counts)
      tpm.insert(tpm.end(), static_cast<std::size_t>(per), c / static_cast<double>(per));
    return tpm;
  }
  const auto per = static_cast<std::size_t>(kMinuteMs / step_ms);
  if (counts.size() < per) fail(source, "the trace covers less than one whole minute");
  for (std::size_t i = 0; i + per <= counts.size(); i += per)
    tpm.push_back(std::accumulate(counts.begin() + static_cast<std::ptrdiff_t>(i),
                                  counts.begin() + static_cast<std::ptrdiff_t>(i + per), 0.0));
  return tpm;
}

}  // namespace autoscale
