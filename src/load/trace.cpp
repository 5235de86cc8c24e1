#include "load/trace.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>
#include <system_error>

#include "core/error.hpp"

namespace autoscale {
namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kDayMs = 86'400'000;

// ---- Messages -------------------------------------------------------------------------------

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw Error(source + ": " + what);
}

[[noreturn]] void fail(const std::string& source, std::int64_t line, const std::string& what) {
  throw Error(source + ":" + std::to_string(line) + ": " + what);
}

// Shortest text that reads back as the same double ("60", "0.5", "1e+20").
std::string number_text(double x) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, x).ptr;
  return std::string(buf, end);
}

std::string seconds_text(std::int64_t ms) {
  return number_text(static_cast<double>(ms) / 1000) + " s";
}

// Long cells are cut so that one bad row cannot flood the terminal.
std::string in_quotes(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out(1, '\'');
  out.append(s.substr(0, kMax));
  if (s.size() > kMax) out.append("...");
  out.push_back('\'');
  return out;
}

std::string column_text(std::string_view name) {
  return "column " + in_quotes(name) + ": ";
}

// ---- Calendar -------------------------------------------------------------------------------

bool is_leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(std::int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
}

// Days from 1970-01-01 to y-m-d, for the years 1..9999 that a 4-digit ISO year can name.
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  static constexpr int kBeforeMonth[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  const auto leap_days_before = [](std::int64_t year) {
    const std::int64_t p = year - 1;
    return p / 4 - p / 100 + p / 400;
  };
  return 365 * (y - 1970) + (leap_days_before(y) - leap_days_before(1970)) + kBeforeMonth[m - 1] +
         (m > 2 && is_leap(y) ? 1 : 0) + (d - 1);
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}

// "1998-05-17T09:42:00Z"; only for messages, so a search is fast enough.
std::string format_utc(std::int64_t ms) {
  const std::int64_t days = floor_div(ms, kDayMs);
  std::int64_t y = 1970 + floor_div(days, 366);
  while (days_from_civil(y + 1, 1, 1) <= days) ++y;
  int m = 1;
  while (m < 12 && days_from_civil(y, m + 1, 1) <= days) ++m;
  const std::int64_t d = days - days_from_civil(y, m, 1) + 1;
  const std::int64_t s = (ms - days * kDayMs) / 1000;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(y), m,
                static_cast<long long>(d), static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buf;
}

// ---- Timestamp parsing ----------------------------------------------------------------------

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return s_.empty(); }
  bool take(char c) {
    if (s_.empty() || s_.front() != c) return false;
    s_.remove_prefix(1);
    return true;
  }
  bool take_any(std::string_view chars) {
    if (s_.empty() || chars.find(s_.front()) == std::string_view::npos) return false;
    s_.remove_prefix(1);
    return true;
  }
  // Exactly n decimal digits.
  std::optional<int> digits(std::size_t n) {
    if (s_.size() < n) return std::nullopt;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (s_[i] < '0' || s_[i] > '9') return std::nullopt;
      v = v * 10 + (s_[i] - '0');
    }
    s_.remove_prefix(n);
    return v;
  }

 private:
  std::string_view s_;
};

// hh:mm[:ss[.fff]] as milliseconds of the day.
std::optional<std::int64_t> parse_clock(Cursor& c) {
  const auto h = c.digits(2);
  if (!h || !c.take(':')) return std::nullopt;
  const auto m = c.digits(2);
  if (!m || *h > 23 || *m > 59) return std::nullopt;
  const std::int64_t ms = (*h * 60 + *m) * kMinuteMs;
  if (!c.take(':')) return ms;
  const auto s = c.digits(2);
  if (!s || *s > 59) return std::nullopt;
  if (!c.take_any(".,")) return ms + *s * 1000;
  // Digits past the millisecond are dropped: no trace resolves finer than that.
  int n = 0, frac = 0;
  while (const auto d = c.digits(1)) {
    if (n < 3) frac = frac * 10 + *d;
    ++n;
  }
  if (n == 0) return std::nullopt;
  for (int i = n; i < 3; ++i) frac *= 10;
  return ms + *s * 1000 + frac;
}

// Z, +HH:MM, +HHMM, +HH (or -) as milliseconds east of UTC; nothing means UTC.
std::optional<std::int64_t> parse_offset(Cursor& c) {
  if (c.done() || c.take_any("Zz")) return 0;
  const int sign = c.take('+') ? 1 : c.take('-') ? -1 : 0;
  const auto h = sign != 0 ? c.digits(2) : std::nullopt;
  if (!h) return std::nullopt;
  int m = 0;
  if (!c.done()) {
    c.take(':');
    const auto mm = c.digits(2);
    if (!mm) return std::nullopt;
    m = *mm;
  }
  if (*h > 23 || m > 59) return std::nullopt;
  return sign * (*h * 60 + m) * kMinuteMs;
}

// ---- CSV text -------------------------------------------------------------------------------

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Spreadsheet exports quote header names; quoted commas are not supported.
std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  for (;;) {
    const auto comma = line.find(',');
    fields.push_back(unquote(trim(line.substr(0, comma))));
    if (comma == std::string_view::npos) return fields;
    line.remove_prefix(comma + 1);
  }
}

struct Line {
  std::int64_t number;  // 1-based, counting blank lines too so it matches an editor
  std::string_view text;
};

std::vector<Line> non_blank_lines(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte-order mark from Excel
  std::vector<Line> lines;
  std::int64_t number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (!trim(line).empty()) lines.push_back({number, line});
  }
  return lines;
}

// ---- Table layout ---------------------------------------------------------------------------

struct Layout {
  std::vector<std::string> names;
  bool timestamped = false;
  std::size_t value = 0;  // index of the chosen value column
  std::int64_t header_line = 1;
};

bool is_time_name(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == "timestamp" || lower == "time" || lower == "ts" || lower == "date" || lower == "datetime";
}

std::size_t choose_column(const Layout& layout, const std::string& wanted, const std::string& source) {
  const std::size_t first = layout.timestamped ? 1 : 0;
  if (first >= layout.names.size())
    fail(source, layout.header_line, "no value column after the timestamp column");
  if (wanted.empty()) return first;
  for (std::size_t i = first; i < layout.names.size(); ++i)
    if (layout.names[i] == wanted) return i;
  std::string available;
  for (std::size_t i = first; i < layout.names.size(); ++i)
    available += (available.empty() ? "" : ", ") + in_quotes(layout.names[i]);
  fail(source, layout.header_line, "no value column " + in_quotes(wanted) + "; available: " + available);
}

Layout read_layout(const std::vector<Line>& lines, const std::string& source, const std::string& column) {
  Layout layout;
  layout.header_line = lines.front().number;
  for (const auto name : split_fields(lines.front().text)) layout.names.emplace_back(name);
  const auto first_cell = split_fields(lines[1].text).front();
  layout.timestamped = is_time_name(layout.names.front()) || parse_iso_timestamp_ms(first_cell).has_value();
  layout.value = choose_column(layout, column, source);
  return layout;
}

// ---- Rows -----------------------------------------------------------------------------------

struct Rows {
  std::vector<std::int64_t> time_ms;        // empty when the file has no timestamps
  std::vector<std::string_view> time_text;  // as written, for messages
  std::vector<double> value;
  std::vector<std::int64_t> line;
};

double parse_count(std::string_view cell, const std::string& column, const std::string& source,
                   std::int64_t line) {
  if (cell.empty()) fail(source, line, column_text(column) + "empty value");
  const std::string_view digits = cell.starts_with('+') ? cell.substr(1) : cell;
  double v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec == std::errc::result_out_of_range)
    fail(source, line, column_text(column) + "out of range: " + in_quotes(cell));
  if (ec != std::errc() || end != digits.data() + digits.size())
    fail(source, line, column_text(column) + "not a number: " + in_quotes(cell));
  if (!std::isfinite(v)) fail(source, line, column_text(column) + "not finite: " + in_quotes(cell));
  if (v < 0) fail(source, line, column_text(column) + "negative value: " + in_quotes(cell));
  return v + 0.0;  // turns -0 into 0
}

std::int64_t parse_time(std::string_view cell, const std::string& column, const std::string& source,
                        std::int64_t line) {
  if (cell.empty()) fail(source, line, column_text(column) + "empty timestamp");
  const auto t = parse_iso_timestamp_ms(cell);
  if (!t) fail(source, line, column_text(column) + "bad timestamp: " + in_quotes(cell));
  return *t;
}

// Time must strictly increase, so that every row owns one interval.
void check_order(const Rows& rows, const std::string& column, const std::string& source) {
  const std::size_t i = rows.time_ms.size() - 1;
  if (i == 0 || rows.time_ms[i] > rows.time_ms[i - 1]) return;
  const std::string where = " (line " + std::to_string(rows.line[i - 1]) + ")";
  if (rows.time_ms[i] == rows.time_ms[i - 1])
    fail(source, rows.line[i],
         column_text(column) + "duplicate timestamp " + in_quotes(rows.time_text[i]) + ", same time as " +
             in_quotes(rows.time_text[i - 1]) + where);
  fail(source, rows.line[i],
       column_text(column) + "timestamp " + in_quotes(rows.time_text[i]) + " goes back in time from " +
           in_quotes(rows.time_text[i - 1]) + where + "; rows must be in increasing time order");
}

Rows read_rows(const std::vector<Line>& lines, const Layout& layout, const std::string& source) {
  Rows rows;
  const std::string& value_name = layout.names[layout.value];
  std::string header;
  for (const auto& n : layout.names) header += (header.empty() ? "" : ",") + n;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const Line& l = lines[i];
    const auto fields = split_fields(l.text);
    if (fields.size() != layout.names.size())
      fail(source, l.number,
           "malformed row: expected " + std::to_string(layout.names.size()) + " fields (" + header +
               "), found " + std::to_string(fields.size()));
    rows.line.push_back(l.number);
    rows.value.push_back(parse_count(fields[layout.value], value_name, source, l.number));
    if (!layout.timestamped) continue;
    rows.time_ms.push_back(parse_time(fields.front(), layout.names.front(), source, l.number));
    rows.time_text.push_back(fields.front());
    check_order(rows, layout.names.front(), source);
  }
  return rows;
}

// ---- Interval and grid ----------------------------------------------------------------------

// The most common step between timestamps (the smallest one on a tie): robust to a few gaps.
std::int64_t most_common_step(const Rows& rows, const std::string& source) {
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

// Resampling needs whole intervals per minute or whole minutes per interval.
void check_interval(std::int64_t step_ms, const std::string& what, const std::string& source) {
  if (step_ms < kMinuteMs && kMinuteMs % step_ms != 0)
    fail(source, what + " of " + seconds_text(step_ms) +
                     " does not divide a minute evenly; cannot resample to 1 minute");
  if (step_ms > kMinuteMs && step_ms % kMinuteMs != 0)
    fail(source,
         what + " of " + seconds_text(step_ms) + " is not a whole number of minutes; cannot resample");
}

struct Grid {
  std::vector<double> counts;  // one per interval, gaps interpolated
  std::int64_t filled = 0;
};

[[noreturn]] void fail_gap(const Rows& rows, std::size_t i, std::int64_t missing_ms, std::int64_t max_gap,
                           const std::string& source) {
  const std::int64_t needed = (missing_ms + kMinuteMs - 1) / kMinuteMs;
  fail(source, rows.line[i],
       "gap of " + number_text(static_cast<double>(missing_ms) / kMinuteMs) +
           " minutes with no rows between " + in_quotes(rows.time_text[i - 1]) + " and " +
           in_quotes(rows.time_text[i]) + " is longer than max_gap_minutes = " + std::to_string(max_gap) +
           "; set max_gap_minutes to " + std::to_string(needed) +
           " or more to fill it by linear interpolation");
}

// Lays the rows on a regular grid of `step_ms`, filling short gaps by linear interpolation.
Grid fill_grid(const Rows& rows, std::int64_t step_ms, std::int64_t max_gap, const std::string& source) {
  Grid grid;
  grid.counts.push_back(rows.value.front());
  for (std::size_t i = 1; i < rows.value.size(); ++i) {
    const std::int64_t diff = rows.time_ms[i] - rows.time_ms[i - 1];
    if (diff % step_ms != 0)
      fail(source, rows.line[i],
           "irregular timestamp " + in_quotes(rows.time_text[i]) + ": " + seconds_text(diff) +
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

// Counts per interval to rates per minute: sums for sub-minute intervals (dropping a partial last
// minute), an even split for multi-minute intervals.
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

// ---- Files and options ---------------------------------------------------------------------

// Scaling options are checked before a possibly large file is read.
void check_scaling_options(const TraceOptions& opt, const std::string& source) {
  if (opt.scale && opt.scale_to_p99) fail(source, "scale and scale_to_p99 are both set; use one of them");
  const auto check = [&](const std::optional<double>& v, const std::string& name) {
    if (v && !(std::isfinite(*v) && *v > 0))
      fail(source, name + " must be a positive number, got " + number_text(*v));
  };
  check(opt.scale, "scale");
  check(opt.scale_to_p99, "scale_to_p99");
}

std::string read_text_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(name, "no such file");
  if (std::filesystem::is_directory(path, ec)) fail(name, "is a directory, not a CSV file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(name, "cannot open for reading");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(name, "read error");
  return std::move(text).str();
}

std::int64_t minute_of_time(const TraceSeries& s, const std::string& text) {
  const auto t = parse_iso_timestamp_ms(text);
  if (!t) fail(s.source, "start_time is not an ISO-8601 timestamp: " + in_quotes(text));
  if (!s.start_epoch_seconds)
    fail(s.source, "start_time needs a trace with timestamps; use start_minute instead");
  const std::int64_t first = *s.start_epoch_seconds * 1000;
  const std::int64_t last = first + (static_cast<std::int64_t>(s.tpm.size()) - 1) * kMinuteMs;
  if (*t < first || *t > last)
    fail(s.source, "start_time " + in_quotes(text) + " is outside the trace, which runs from " +
                       format_utc(first) + " to " + format_utc(last));
  if ((*t - first) % kMinuteMs != 0)
    fail(s.source, "start_time " + in_quotes(text) +
                       " is not on the trace's 1-minute grid, which starts at " + format_utc(first));
  return (*t - first) / kMinuteMs;
}

}  // namespace

std::optional<std::int64_t> parse_iso_timestamp_ms(std::string_view text) {
  Cursor c(trim(text));
  const auto y = c.digits(4);
  if (!y || !c.take('-')) return std::nullopt;
  const auto m = c.digits(2);
  if (!m || !c.take('-')) return std::nullopt;
  const auto d = c.digits(2);
  if (!d || *y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) return std::nullopt;
  const std::int64_t date_ms = days_from_civil(*y, *m, *d) * kDayMs;
  if (c.done()) return date_ms;
  if (!c.take_any("Tt ")) return std::nullopt;
  const auto clock = parse_clock(c);
  if (!clock) return std::nullopt;
  const auto offset = parse_offset(c);
  if (!offset || !c.done()) return std::nullopt;
  return date_ms + *clock - *offset;
}

TraceSeries parse_trace_csv(std::string_view text, const std::string& source_name, const TraceOptions& opt) {
  const std::string& src = source_name;
  if (opt.max_gap_minutes < 0)
    fail(src, "max_gap_minutes must be >= 0, got " + std::to_string(opt.max_gap_minutes));
  const auto lines = non_blank_lines(text);
  if (lines.empty()) fail(src, "empty file; expected a header line and data rows");
  if (lines.size() == 1) fail(src, lines.front().number, "header only, no data rows");
  const Layout layout = read_layout(lines, src, opt.column);
  const Rows rows = read_rows(lines, layout, src);

  TraceSeries series;
  series.source = src;
  series.column = layout.names[layout.value];
  Grid grid;
  std::int64_t step_ms = 0;
  if (layout.timestamped) {
    step_ms = most_common_step(rows, src);
    check_interval(step_ms, "the interval (most common step between timestamps)", src);
    grid = fill_grid(rows, step_ms, opt.max_gap_minutes, src);
    series.start_epoch_seconds = floor_div(rows.time_ms.front(), 1000);
  } else {
    step_ms = interval_from_option(opt.interval_seconds, src);
    check_interval(step_ms, "interval_seconds", src);
    grid.counts = rows.value;
  }
  series.tpm = to_minutes(grid.counts, step_ms, src);
  series.original_interval_seconds = static_cast<double>(step_ms) / 1000;
  series.gaps_filled = grid.filled;
  return series;
}

double trace_quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  if (lo + 1 >= values.size()) return values.back();
  return values[lo] + (values[lo + 1] - values[lo]) * (pos - static_cast<double>(lo));
}

void apply_trace_scaling(TraceSeries& series, const TraceOptions& opt) {
  check_scaling_options(opt, series.source);
  double factor = opt.scale.value_or(1);
  if (opt.scale_to_p99) {
    const double p99 = trace_quantile(series.tpm, 0.99);
    if (p99 <= 0)
      fail(series.source, "cannot scale to a 99th percentile of " + number_text(*opt.scale_to_p99) +
                              " tpm: column " + in_quotes(series.column) + " has a 99th percentile of 0");
    factor = *opt.scale_to_p99 / p99;
  }
  if (factor == 1) return;
  for (double& v : series.tpm) v *= factor;
}

TraceSeries load_trace(const TraceOptions& opt) {
  const std::string name = opt.path.string();
  check_scaling_options(opt, name);
  TraceSeries series = parse_trace_csv(read_text_file(opt.path), name, opt);
  apply_trace_scaling(series, opt);
  return series;
}

std::int64_t resolve_start(const TraceSeries& series, const TraceOptions& opt) {
  if (opt.start_minute && opt.start_time)
    fail(series.source, "start_minute and start_time are both set; use one of them");
  if (opt.start_time) return minute_of_time(series, *opt.start_time);
  if (!opt.start_minute) return -1;
  const auto n = static_cast<std::int64_t>(series.tpm.size());
  if (*opt.start_minute < 0 || *opt.start_minute >= n)
    fail(series.source, "start_minute " + std::to_string(*opt.start_minute) + " is outside the trace (0 to " +
                            std::to_string(n - 1) + ")");
  return *opt.start_minute;
}

}  // namespace autoscale
