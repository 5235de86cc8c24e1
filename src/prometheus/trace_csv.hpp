#pragma once
// A range query's result as a trace CSV the scenario files read (load/trace.hpp): a header
// `timestamp,requests`, then one row per evaluation time that has a value, its UTC time
// ("2024-05-01T00:00:15Z") and the requests in that step.
//
// Units: the query's values are request rates per second (what rate() and irate() return); the
// trace format holds counts per interval, so each row holds rate x step seconds (at a 60 s step,
// requests per minute, the simulator's tpm; at 15 s, four rows make a minute and the loader sums
// them). NaN values and evaluation times without a value are left out: the trace rules treat the
// missing rows as a gap, interpolated when at most the scenario's max_gap_minutes long, an error
// naming max_gap_minutes otherwise. Never zeros: a quiet minute and a minute nobody measured are
// not the same thing.
#include <cstdint>
#include <string>
#include <string_view>

#include "prometheus/query_range.hpp"

namespace autoscale::prometheus {

inline constexpr std::string_view kTraceValueColumn = "requests";

// The trace loader resamples to minutes (load/resample.cpp, check_interval): a step must divide a
// minute (1s, 2s, ..., 15s, 20s, 30s) or be a whole number of minutes. Throws Error saying why
// otherwise.
void check_trace_step(std::int64_t step_ms);

// A longer range is refused before any request: its CSV would not fit a loader that reads the
// whole file (10 million steps: 116 days at 1 s, 19 years at 1 minute).
inline constexpr std::int64_t kMaxTraceSteps = 10'000'000;

// The one series of `result`; zero or several are an Error naming how many there are, their
// labels and `query`.
const Series& single_series(const QueryResult& result, const std::string& query);

struct TraceCsvStats {
  std::int64_t steps = 0;           // evaluation times in the range
  std::int64_t rows = 0;            // rows written: the times with a value
  std::int64_t nan_values = 0;      // NaN values (left out, as missing times are)
  std::int64_t missing_before = 0;  // times before the first row (the CSV starts at it)
  std::int64_t missing_after = 0;   // times after the last row
  std::int64_t gaps = 0;            // runs of missing times between rows
  std::int64_t gap_steps = 0;       // the times in them
  std::int64_t longest_gap_ms = 0;
  std::int64_t first_ms = 0, last_ms = 0;  // the first and last row's times
  // The smallest max_gap_minutes that lets a scenario read the CSV: the longest gap in whole
  // minutes, rounded up (0 without gaps).
  std::int64_t max_gap_minutes_needed() const;
};

struct TraceCsv {
  std::string text;
  TraceCsvStats stats;
};

// `series` (a per-second rate evaluated at the times of `range`) as the trace CSV above. Throws
// Error for a negative or infinite value (naming its time), a step the trace format cannot read,
// and fewer than two values (a trace needs two rows to show its interval).
TraceCsv to_trace_csv(const Series& series, const TimeRange& range);

// "2024-05-01T00:00:15Z", with milliseconds ("...15.250Z") when the time has them.
std::string trace_timestamp(std::int64_t epoch_ms);

}  // namespace autoscale::prometheus
