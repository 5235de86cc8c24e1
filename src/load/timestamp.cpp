#include "load/timestamp.hpp"

#include <chrono>
#include <cstdio>

#include "core/strings.hpp"

namespace autoscale {
namespace {

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

}  // namespace

std::optional<std::int64_t> parse_iso_timestamp_ms(std::string_view text) {
  using namespace std::chrono;
  Cursor c(trim(text));
  const auto y = c.digits(4);
  if (!y || !c.take('-')) return std::nullopt;
  const auto m = c.digits(2);
  if (!m || !c.take('-')) return std::nullopt;
  const auto d = c.digits(2);
  if (!y || !m || !d) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*m)}, day{static_cast<unsigned>(*d)}};
  if (*y < 1 || !date.ok()) return std::nullopt;
  const std::int64_t date_ms = duration_cast<milliseconds>(sys_days{date}.time_since_epoch()).count();
  if (c.done()) return date_ms;
  if (!c.take_any("Tt ")) return std::nullopt;
  const auto clock = parse_clock(c);
  if (!clock) return std::nullopt;
  const auto offset = parse_offset(c);
  if (!offset || !c.done()) return std::nullopt;
  return date_ms + *clock - *offset;
}

std::string format_utc(std::int64_t epoch_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds{epoch_ms}};
  const sys_days day_start = floor<days>(t);
  const year_month_day date{day_start};
  const hh_mm_ss clock{floor<seconds>(t - day_start)};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<long long>(clock.hours().count()), static_cast<long long>(clock.minutes().count()),
                static_cast<long long>(clock.seconds().count()));
  return buf;
}

}  // namespace autoscale
