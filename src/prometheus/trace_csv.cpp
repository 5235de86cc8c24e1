#include "prometheus/trace_csv.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

#include "core/error.hpp"
#include "load/timestamp.hpp"
#include "load/trace_text.hpp"

namespace autoscale::prometheus {

void check_trace_step(std::int64_t step_ms) {
  const std::string step = seconds_text(step_ms);
  if (step_ms <= 0) throw Error("the step must be positive, got " + step);
  // check_interval's rule (a test checks that both agree), in words that fit an option's message.
  if (step_ms < kMinuteMs && kMinuteMs % step_ms != 0)
    throw Error("a step of " + step + " does not divide a minute evenly, and the trace format resamples to minutes");
  if (step_ms > kMinuteMs && step_ms % kMinuteMs != 0)
    throw Error("a step of " + step + " is not a whole number of minutes, and the trace format resamples to minutes");
}

const Series& single_series(const QueryResult& result, const std::string& query) {
  if (result.series.size() == 1) return result.series.front();
  if (result.series.empty())
    throw Error("the query '" + query + "' returned no series over the range (no data, or a selector that matches nothing)");
  std::string listed;
  constexpr std::size_t kShown = 5;
  for (std::size_t i = 0; i < result.series.size() && i < kShown; ++i)
    listed += (i == 0 ? "" : ", ") + labels_text(result.series[i].labels);
  if (result.series.size() > kShown) listed += ", ... (" + std::to_string(result.series.size() - kShown) + " more)";
  throw Error("the query '" + query + "' returned " + std::to_string(result.series.size()) +
              " series, expected one: " + listed + "; aggregate them into one, e.g. sum(rate(...))");
}

std::int64_t TraceCsvStats::max_gap_minutes_needed() const {
  return (longest_gap_ms + kMinuteMs - 1) / kMinuteMs;
}

std::string trace_timestamp(std::int64_t epoch_ms) {
  std::string t = format_utc(epoch_ms);
  const std::int64_t ms = ((epoch_ms % 1000) + 1000) % 1000;
  if (ms == 0) return t;
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03lld", static_cast<long long>(ms));
  t.insert(t.size() - 1, frac);  // before the Z
  return t;
}

TraceCsv to_trace_csv(const Series& series, const TimeRange& range) {
  check_trace_step(range.step_ms);
  const std::int64_t steps = range.steps();
  const double step_seconds = static_cast<double>(range.step_ms) / 1000;
  const std::string where = "series " + labels_text(series.labels);
  std::vector<std::optional<double>> grid(static_cast<std::size_t>(std::max<std::int64_t>(steps, 0)));
  TraceCsv out;
  TraceCsvStats& st = out.stats;
  st.steps = steps;
  for (const Sample& s : series.samples) {
    const std::int64_t k = (s.time_ms - range.start_ms) / range.step_ms;
    if (s.time_ms < range.start_ms || k >= steps || (s.time_ms - range.start_ms) % range.step_ms != 0)
      throw Error(where + ": a sample at " + trace_timestamp(s.time_ms) + " is not one of the range's evaluation times");
    if (std::isnan(s.value)) {
      ++st.nan_values;
      continue;
    }
    if (std::isinf(s.value) || s.value < 0)
      throw Error(where + ": the value at " + trace_timestamp(s.time_ms) + " is " + number_text(s.value) +
                  "; a request rate must be a finite number >= 0");
    grid[static_cast<std::size_t>(k)] = s.value * step_seconds + 0.0;  // + 0.0 turns -0 into 0
  }

  out.text = "timestamp," + std::string(kTraceValueColumn) + "\n";
  std::optional<std::int64_t> previous;  // index of the last row written
  for (std::int64_t k = 0; k < steps; ++k) {
    const auto& v = grid[static_cast<std::size_t>(k)];
    if (!v) continue;
    const std::int64_t t = range.start_ms + k * range.step_ms;
    if (!previous) {
      st.missing_before = k;
      st.first_ms = t;
    } else if (k - *previous > 1) {
      ++st.gaps;
      st.gap_steps += k - *previous - 1;
      st.longest_gap_ms = std::max(st.longest_gap_ms, (k - *previous - 1) * range.step_ms);
    }
    out.text += trace_timestamp(t) + "," + number_text(*v) + "\n";
    ++st.rows;
    previous = k;
    st.last_ms = t;
  }
  if (st.rows < 2)
    throw Error(where + ": " + std::to_string(st.rows) + " of the range's " + std::to_string(steps) +
                " evaluation times have a value; a trace needs at least two rows");
  st.missing_after = steps - 1 - *previous;
  return out;
}

}  // namespace autoscale::prometheus
