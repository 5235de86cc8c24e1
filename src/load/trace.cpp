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
#include "load/resample.hpp"
#include "load/timestamp.hpp"
#include "load/trace_text.hpp"

namespace autoscale {
namespace {

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
    available += (available.empty() ? "" : ", ") + quote_cell(layout.names[i]);
  fail(source, layout.header_line, "no value column " + quote_cell(wanted) + "; available: " + available);
}

Layout read_layout(const std::vector<CsvLine>& lines, const std::string& source, const std::string& column) {
  Layout layout;
  layout.header_line = lines.front().number;
  for (const auto name : split_fields(lines.front().text)) layout.names.emplace_back(name);
  const auto first_cell = split_fields(lines[1].text).front();
  layout.timestamped = is_time_name(layout.names.front()) || parse_iso_timestamp_ms(first_cell).has_value();
  layout.value = choose_column(layout, column, source);
  return layout;
}

// ---- Rows -----------------------------------------------------------------------------------

double parse_count(std::string_view cell, const std::string& column, const std::string& source,
                   std::int64_t line) {
  if (cell.empty()) fail(source, line, column_text(column) + "empty value");
  const std::string_view digits = cell.starts_with('+') ? cell.substr(1) : cell;
  double v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec == std::errc::result_out_of_range)
    fail(source, line, column_text(column) + "out of range: " + quote_cell(cell));
  if (ec != std::errc() || end != digits.data() + digits.size())
    fail(source, line, column_text(column) + "not a number: " + quote_cell(cell));
  if (!std::isfinite(v)) fail(source, line, column_text(column) + "not finite: " + quote_cell(cell));
  if (v < 0) fail(source, line, column_text(column) + "negative value: " + quote_cell(cell));
  return v + 0.0;  // turns -0 into 0
}

std::int64_t parse_time(std::string_view cell, const std::string& column, const std::string& source,
                        std::int64_t line) {
  if (cell.empty()) fail(source, line, column_text(column) + "empty timestamp");
  const auto t = parse_iso_timestamp_ms(cell);
  if (!t) fail(source, line, column_text(column) + "bad timestamp: " + quote_cell(cell));
  return *t;
}

// Time must strictly increase, so that every row owns one interval.
void check_order(const TraceRows& rows, const std::string& column, const std::string& source) {
  const std::size_t i = rows.time_ms.size() - 1;
  if (i == 0 || rows.time_ms[i] > rows.time_ms[i - 1]) return;
  const std::string where = " (line " + std::to_string(rows.line[i - 1]) + ")";
  if (rows.time_ms[i] == rows.time_ms[i - 1])
    fail(source, rows.line[i],
         column_text(column) + "duplicate timestamp " + quote_cell(rows.time_text[i]) + ", same time as " +
             quote_cell(rows.time_text[i - 1]) + where);
  fail(source, rows.line[i],
       column_text(column) + "timestamp " + quote_cell(rows.time_text[i]) + " goes back in time from " +
           quote_cell(rows.time_text[i - 1]) + where + "; rows must be in increasing time order");
}

TraceRows read_rows(const std::vector<CsvLine>& lines, const Layout& layout, const std::string& source) {
  TraceRows rows;
  const std::string& value_name = layout.names[layout.value];
  std::string header;
  for (const auto& n : layout.names) header += (header.empty() ? "" : ",") + n;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const CsvLine& l = lines[i];
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

// The minute index of timestamp `text` for option `what`; `past_end` allows the minute just after
// the last one (an exclusive end).
std::int64_t minute_of_time(const TraceSeries& s, const std::string& text, const std::string& what, bool past_end = false) {
  const auto t = parse_iso_timestamp_ms(text);
  if (!t) fail(s.source, what + " is not an ISO-8601 timestamp: " + quote_cell(text));
  if (!s.start_epoch_seconds)
    fail(s.source, what + " " + quote_cell(text) + " needs a trace with timestamps; give a minute index instead");
  const std::int64_t first = *s.start_epoch_seconds * 1000;
  const std::int64_t last = first + (static_cast<std::int64_t>(s.tpm.size()) - (past_end ? 0 : 1)) * kMinuteMs;
  if (*t < first || *t > last)
    fail(s.source, what + " " + quote_cell(text) + " is outside the trace, which runs from " + format_utc(first) +
                       " to " + format_utc(first + (static_cast<std::int64_t>(s.tpm.size()) - 1) * kMinuteMs));
  if ((*t - first) % kMinuteMs != 0)
    fail(s.source, what + " " + quote_cell(text) + " is not on the trace's 1-minute grid, which starts at " + format_utc(first));
  return (*t - first) / kMinuteMs;
}

std::int64_t bound_minute(const TraceSeries& s, const TraceBound& b, const std::string& what, std::int64_t fallback) {
  if (b.time) return minute_of_time(s, *b.time, what, what == "to");
  if (!b.minute) return fallback;
  const auto n = static_cast<std::int64_t>(s.tpm.size());
  if (*b.minute < 0 || *b.minute > n)
    fail(s.source, what + " " + std::to_string(*b.minute) + " is outside the trace (0 to " + std::to_string(n) + ")");
  return *b.minute;
}

}  // namespace

TraceSeries parse_trace_csv(std::string_view text, const std::string& source_name, const TraceOptions& opt) {
  const std::string& src = source_name;
  if (opt.max_gap_minutes < 0)
    fail(src, "max_gap_minutes must be >= 0, got " + std::to_string(opt.max_gap_minutes));
  const auto lines = non_blank_lines(text);
  if (lines.empty()) fail(src, "empty file; expected a header line and data rows");
  if (lines.size() == 1) fail(src, lines.front().number, "header only, no data rows");
  const Layout layout = read_layout(lines, src, opt.column);
  const TraceRows rows = read_rows(lines, layout, src);

  TraceSeries series;
  series.source = src;
  series.column = layout.names[layout.value];
  Grid grid;
  std::int64_t step_ms = 0;
  if (layout.timestamped) {
    step_ms = most_common_step(rows, src);
    check_interval(step_ms, "the interval (most common step between timestamps)", src);
    grid = fill_grid(rows, step_ms, opt.max_gap_minutes, src);
    series.start_epoch_seconds = floor_seconds(rows.time_ms.front());
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
                              " tpm: column " + quote_cell(series.column) + " has a 99th percentile of 0");
    factor = *opt.scale_to_p99 / p99;
  }
  if (factor == 1) return;
  for (double& v : series.tpm) v *= factor;
}

TraceSeries slice_trace(const TraceSeries& s, std::int64_t from, std::int64_t to) {
  const auto n = static_cast<std::int64_t>(s.tpm.size());
  if (from < 0 || to > n || from >= to)
    fail(s.source, "the range [" + std::to_string(from) + ", " + std::to_string(to) + ") selects no minute of the " +
                       std::to_string(n) + "-minute trace");
  TraceSeries out = s;
  out.tpm.assign(s.tpm.begin() + from, s.tpm.begin() + to);
  if (s.start_epoch_seconds) out.start_epoch_seconds = *s.start_epoch_seconds + 60 * from;
  return out;
}

TraceSeries load_trace(const TraceOptions& opt) {
  const std::string name = opt.path.string();
  check_scaling_options(opt, name);
  TraceSeries series = parse_trace_csv(read_text_file(opt.path), name, opt);
  if (opt.from.given() || opt.to.given()) {
    const std::int64_t from = bound_minute(series, opt.from, "from", 0);
    const std::int64_t to = bound_minute(series, opt.to, "to", static_cast<std::int64_t>(series.tpm.size()));
    if (from >= to)
      fail(name, "from (minute " + std::to_string(from) + ") must come before to (minute " + std::to_string(to) + ")");
    series = slice_trace(series, from, to);
  }
  apply_trace_scaling(series, opt);
  return series;
}

std::int64_t resolve_start(const TraceSeries& series, const TraceOptions& opt) {
  if (opt.start_minute && opt.start_time)
    fail(series.source, "start_minute and start_time are both set; use one of them");
  if (opt.start_time) return minute_of_time(series, *opt.start_time, "start_time");
  if (!opt.start_minute) return -1;
  const auto n = static_cast<std::int64_t>(series.tpm.size());
  if (*opt.start_minute < 0 || *opt.start_minute >= n)
    fail(series.source, "start_minute " + std::to_string(*opt.start_minute) + " is outside the trace (0 to " +
                            std::to_string(n - 1) + ")");
  return *opt.start_minute;
}

}  // namespace autoscale
