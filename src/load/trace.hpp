#pragma once
// Real load traces from CSV files, resampled to the simulator's 1-minute grid.
//
// File format: a header line, then one row per interval. If the first column is a timestamp
// (named timestamp/time/ts/date/datetime, or its first cell parses as one) the interval is
// inferred from the timestamps and short gaps are interpolated; otherwise every column is a value
// column and each row covers `interval_seconds`. Values are counts per interval.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "load/timestamp.hpp"

namespace autoscale {

// One end of the part of a trace a scenario uses: a minute index into the file's series or an
// ISO timestamp; neither = the file's own end.
struct TraceBound {
  std::optional<std::int64_t> minute;
  std::optional<std::string> time;
  bool given() const { return minute || time; }
};

struct TraceOptions {
  std::filesystem::path path;
  std::string column;                        // empty = the first value column
  std::optional<double> scale;               // multiplies every rate
  std::optional<double> scale_to_p99;        // scale so the used range's 99th percentile equals this tpm
  TraceBound from, to;                       // the range [from, to) of the file a scenario uses
  std::optional<std::pair<double, double>> random_scale;  // per-episode factor, log-uniform (TraceLoad)
  std::optional<std::int64_t> start_minute;  // fixed window start (minute index into the trace)
  std::optional<std::string> start_time;     // ISO timestamp; fixed window start
  std::int64_t max_gap_minutes = 5;          // longest run of missing time that is interpolated
  double interval_seconds = 60;              // only for files without timestamps
};

struct TraceSeries {
  std::vector<double> tpm;                          // per-minute rates on a 1-minute grid
  std::optional<std::int64_t> start_epoch_seconds;  // UTC of tpm[0] (whole seconds), if timestamped
  std::string source;                               // file name as given, for messages
  std::string column;                               // the value column that was read
  double original_interval_seconds = 60;
  std::int64_t gaps_filled = 0;  // missing intervals filled by interpolation
};

// Parses CSV text (no scaling). `source_name` prefixes every error message ("name:line: ...").
TraceSeries parse_trace_csv(std::string_view text, const std::string& source_name, const TraceOptions& opt);

// Minutes [from, to) of a series (timestamps follow); throws Error for an empty or outside range.
TraceSeries slice_trace(const TraceSeries& series, std::int64_t from, std::int64_t to);

// Reads opt.path, parses it, keeps the range [from, to) and applies the scaling options to it.
TraceSeries load_trace(const TraceOptions& opt);

// Applies opt.scale or opt.scale_to_p99 (at most one may be set) to series.tpm.
void apply_trace_scaling(TraceSeries& series, const TraceOptions& opt);

// The q-quantile (0 <= q <= 1) by linear interpolation between order statistics; 0 if empty.
double trace_quantile(std::vector<double> values, double q);

// The episode window start chosen by the options: a minute index from start_time or start_minute
// (validated against the trace), or -1 when neither is set (random start).
std::int64_t resolve_start(const TraceSeries& series, const TraceOptions& opt);

}  // namespace autoscale
