#pragma once
// A client of Prometheus's range queries (GET /api/v1/query_range): the range cut into windows
// that each stay within Prometheus's limit of points per series, every window fetched with retries,
// the matrix results merged into one list of series.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace autoscale::prometheus {

// Prometheus refuses a range query whose (end - start) / step exceeds 11,000
// ("exceeded maximum resolution of 11,000 points per timeseries").
inline constexpr std::int64_t kMaxPointsPerSeries = 11'000;

// The evaluation times start, start + step, ... up to end (all epoch milliseconds): Prometheus
// evaluates a range query at exactly these.
struct TimeRange {
  std::int64_t start_ms = 0, end_ms = 0, step_ms = 60'000;
  // The number of evaluation times: (end - start) / step + 1 (rounded down); 0 if end < start.
  std::int64_t steps() const { return end_ms < start_ms ? 0 : (end_ms - start_ms) / step_ms + 1; }
};

// Consecutive windows, each a TimeRange with the same step and at most `max_points` evaluation
// times, whose times together are the range's, each once: window k + 1 starts one step after
// window k's last time, and the last window ends at the range's last time (end rounded down to
// the step grid). Throws Error for a step <= 0, end < start or max_points < 1.
std::vector<TimeRange> plan_windows(const TimeRange& range, std::int64_t max_points = kMaxPointsPerSeries);

struct Sample {
  std::int64_t time_ms;
  double value;  // NaN as Prometheus returns it ("NaN"), infinities too
};

struct Series {
  std::map<std::string, std::string> labels;  // without a name when the query computes (rate())
  std::vector<Sample> samples;                // increasing time, one per evaluation time at most
};

// {job="api", instance="a:9100"}, as Prometheus writes a series; {} for no labels.
std::string labels_text(const std::map<std::string, std::string>& labels);

struct ClientOptions {
  std::string url;                                           // http(s)://host[:port][/path prefix]
  std::vector<std::pair<std::string, std::string>> headers;  // sent with every request
  int tries = 4;                                             // per window, on connection errors, 5xx and 429
  std::chrono::milliseconds first_backoff{500};              // then doubled before each further try
  std::chrono::seconds timeout{120};                         // connect and read, per request
};

// "Name: value" (as curl -H takes it) as a header; throws Error saying what it expected if malformed.
std::pair<std::string, std::string> parse_header(const std::string& text);
// The token in `path` (surrounding whitespace dropped) as an Authorization: Bearer header; throws
// Error naming the file if it cannot be read or holds no token.
std::pair<std::string, std::string> bearer_token_header(const std::string& path);

struct QueryResult {
  std::vector<Series> series;         // merged over the windows by label set, in label order
  std::vector<std::string> warnings;  // Prometheus's "warnings", deduplicated
  std::int64_t requests = 0;          // HTTP requests made, retries included
};

// Called before each window is fetched: (window index from 0, number of windows, the window).
using WindowProgress = std::function<void(std::size_t, std::size_t, const TimeRange&)>;

// Runs `query` over `range`, one GET per window of plan_windows(range). A connection error, a 5xx
// or a 429 is retried (options.tries in all, with doubling backoff); any other non-2xx status, a
// body that is not Prometheus's success JSON, a non-matrix result or a sample off the step grid is
// an Error naming the URL, the window, the HTTP status and Prometheus's own error message.
QueryResult query_range(const ClientOptions& options, const std::string& query, const TimeRange& range,
                        const WindowProgress& progress = {});

}  // namespace autoscale::prometheus
