#include "load/weekly_load.hpp"

#include <algorithm>
#include <cmath>

namespace autoscale {
namespace {
constexpr double kDay = 1440, kWeek = 7 * kDay, kWeekend = 5 * kDay;
constexpr std::int64_t kFirstMonday = 4 * 86400;  // 1970-01-05, a Monday
}

void WeeklyLoad::reset(std::uint64_t load_seed) {
  // The week offset comes from a stream derived from the load seed, so the underlying seed load
  // of an episode is the same as the `seed` scenario's for the same episode seed.
  inner_.reset(load_seed);
  Rng week_rng(stream_seed(load_seed, LoadStream::kWeek));
  minute_of_week_ = static_cast<std::int64_t>(week_rng.below(static_cast<std::uint64_t>(kWeek)));
  clock_ = kFirstMonday + 60 * minute_of_week_;
}

double WeeklyLoad::factor(double mw) const {
  const double r = std::max(week_.ramp_minutes, 1.0);
  const double g = std::min(std::clamp((mw - kWeekend) / r, 0.0, 1.0), std::clamp((kWeek - mw) / r, 0.0, 1.0));
  return 1.0 - (1.0 - week_.weekend_factor) * g;
}

std::int64_t WeeklyLoad::next() {
  const std::int64_t base = inner_.next();
  minute_of_week_ = (minute_of_week_ + 1) % static_cast<std::int64_t>(kWeek);
  clock_ += 60;
  return static_cast<std::int64_t>(std::trunc(static_cast<double>(base) * factor(static_cast<double>(minute_of_week_))));
}

}  // namespace autoscale
