#pragma once
// The times and durations `autoscale trace` reads (--start, --end, --step) and the ones it sends to
// Prometheus, all as UTC epoch milliseconds.
#include <cstdint>
#include <string>
#include <string_view>

namespace autoscale::prometheus {

// An RFC 3339 timestamp ("2024-05-01T00:00:00Z", "2024-05-01T02:00:00+02:00"; also anything else
// the trace format reads: a space for the T, no offset = UTC, a date alone) or unix seconds
// ("1714521600", "1714521600.5"). Throws Error saying what it expected for anything else (the
// caller names the option).
std::int64_t parse_time_arg(std::string_view text);

// A positive duration: Prometheus's syntax ("15s", "1m", "1h30m", "500ms"; units ms, s, m, h, d,
// w, y) or a number of seconds ("60", "7.5"). Throws Error saying what it expected otherwise.
std::int64_t parse_duration_arg(std::string_view text);

// Epoch milliseconds as the seconds Prometheus's API takes ("1714521600", "1714521600.5").
std::string api_seconds(std::int64_t ms);

}  // namespace autoscale::prometheus
