#pragma once
// Laying a trace's rows on the simulator's 1-minute grid: the interval the timestamps imply, short
// gaps filled by linear interpolation, counts per interval turned into rates per minute.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace autoscale {

// A trace's data rows as read from its CSV.
struct TraceRows {
  std::vector<std::int64_t> time_ms;        // empty when the file has no timestamps
  std::vector<std::string_view> time_text;  // as written, for messages
  std::vector<double> value;
  std::vector<std::int64_t> line;
};

// The most common step between timestamps (the smallest one on a tie): robust to a few gaps.
std::int64_t most_common_step(const TraceRows& rows, const std::string& source);
// interval_seconds (files without timestamps) as whole milliseconds.
std::int64_t interval_from_option(double seconds, const std::string& source);
// Resampling needs whole intervals per minute or whole minutes per interval.
void check_interval(std::int64_t step_ms, const std::string& what, const std::string& source);

struct Grid {
  std::vector<double> counts;  // one per interval, gaps interpolated
  std::int64_t filled = 0;
};
// Lays the rows on a regular grid of `step_ms`, filling gaps up to max_gap minutes by linear
// interpolation; a longer gap is an error naming its line and the max_gap_minutes that would fill it.
Grid fill_grid(const TraceRows& rows, std::int64_t step_ms, std::int64_t max_gap, const std::string& source);
// Counts per interval to rates per minute: sums for sub-minute intervals (dropping a partial last
// minute), an even split for multi-minute intervals.
std::vector<double> to_minutes(const std::vector<double>& counts, std::int64_t step_ms, const std::string& source);

}  // namespace autoscale
