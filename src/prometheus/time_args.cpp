#include "prometheus/time_args.hpp"

#include <charconv>
#include <cmath>
#include <optional>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "load/timestamp.hpp"
#include "load/trace_text.hpp"

namespace autoscale::prometheus {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [-]DIGITS[.DIGITS] as milliseconds, rounded to the nearest one; nullopt if `s` is not that.
std::optional<std::int64_t> unix_seconds_ms(std::string_view s) {
  const bool negative = s.starts_with('-');
  if (negative) s.remove_prefix(1);
  const auto dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 12) return std::nullopt;  // 12 digits: 31,000 years
  if (dot != std::string_view::npos && frac.empty()) return std::nullopt;
  for (const char c : whole)
    if (!is_digit(c)) return std::nullopt;
  for (const char c : frac)
    if (!is_digit(c)) return std::nullopt;
  std::int64_t ms = 0;
  for (const char c : whole) ms = ms * 10 + (c - '0');
  for (std::size_t i = 0; i < 3; ++i) ms = ms * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  if (frac.size() > 3 && frac[3] >= '5') ++ms;
  return negative ? -ms : ms;
}

}  // namespace

std::int64_t parse_time_arg(std::string_view text) {
  const std::string_view t = trim(text);
  if (const auto ms = unix_seconds_ms(t)) return *ms;
  if (const auto ms = parse_iso_timestamp_ms(t)) return *ms;
  throw Error("expected an RFC 3339 timestamp (2024-05-01T00:00:00Z) or unix seconds, got " + quote_cell(text));
}

std::int64_t parse_duration_arg(std::string_view text) {
  const std::string_view t = trim(text);
  const auto bad = [&](const std::string& why) -> Error {
    return Error(why + ", got " + quote_cell(text) + " (examples: 15s, 1m, 1h30m, 60)");
  };
  if (t.empty()) throw bad("expected a duration");
  std::int64_t ms = 0;
  if (is_digit(t.back()) || t.back() == '.') {  // a plain number of seconds
    double seconds = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), seconds);
    if (ec != std::errc() || end != t.data() + t.size()) throw bad("expected a duration");
    const double x = seconds * 1000;
    if (!std::isfinite(x) || std::abs(x - std::round(x)) > 1e-6) throw bad("expected a whole number of milliseconds");
    ms = static_cast<std::int64_t>(std::llround(x));
  } else {  // Prometheus's NUMBER UNIT [NUMBER UNIT ...]
    std::string_view rest = t;
    while (!rest.empty()) {
      std::size_t n = 0;
      while (n < rest.size() && is_digit(rest[n])) ++n;
      if (n == 0 || n > 12) throw bad("expected a duration");
      std::int64_t count = 0;
      std::from_chars(rest.data(), rest.data() + n, count);
      rest.remove_prefix(n);
      std::size_t u = 0;
      while (u < rest.size() && !is_digit(rest[u])) ++u;
      const std::string_view unit = rest.substr(0, u);
      rest.remove_prefix(u);
      const std::int64_t per = unit == "ms"  ? 1
                               : unit == "s" ? 1000
                               : unit == "m" ? kMinuteMs
                               : unit == "h" ? 60 * kMinuteMs
                               : unit == "d" ? kDayMs
                               : unit == "w" ? 7 * kDayMs
                               : unit == "y" ? 365 * kDayMs
                                             : 0;
      if (per == 0) throw bad("unknown unit " + quote_cell(unit) + " (ms, s, m, h, d, w, y)");
      ms += count * per;
    }
  }
  if (ms <= 0) throw bad("must be positive");
  return ms;
}

std::string api_seconds(std::int64_t ms) {
  const std::int64_t whole = ms / 1000, frac = ms % 1000;
  std::string s = std::to_string(whole);
  if (frac == 0) return s;
  if (ms < 0 && whole == 0) s = "-0";
  char buf[8];
  const auto end = std::to_chars(buf, buf + sizeof buf, std::abs(frac)).ptr;
  std::string digits(buf, end);
  digits.insert(0, 3 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return s + "." + digits;
}

}  // namespace autoscale::prometheus
