#include "load/trace_load.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace autoscale {

TraceLoad::TraceLoad(std::shared_ptr<const TraceSeries> series, std::optional<std::int64_t> fixed_start,
                     std::int64_t episode_minutes)
    : series_(std::move(series)), fixed_start_(fixed_start), episode_minutes_(episode_minutes) {
  if (!series_) throw Error("trace load: no trace series");
  const std::string& src = series_->source;
  if (episode_minutes_ <= 0)
    throw Error(src + ": episode length must be positive, got " + std::to_string(episode_minutes_) +
                " minutes");
  const auto n = static_cast<std::int64_t>(series_->tpm.size());
  if (n < episode_minutes_)
    throw Error(src + ": trace has " + std::to_string(n) + " minutes, shorter than the episode's " +
                std::to_string(episode_minutes_) + " minutes");
  const std::int64_t last_start = n - episode_minutes_;
  if (fixed_start_ && (*fixed_start_ < 0 || *fixed_start_ > last_start))
    throw Error(src + ": start minute " + std::to_string(*fixed_start_) + " leaves less than an episode (" +
                std::to_string(episode_minutes_) + " minutes) of the " + std::to_string(n) +
                "-minute trace; the latest start is " + std::to_string(last_start));
  start_ = fixed_start_.value_or(0);
  pos_ = static_cast<std::size_t>(start_);
}

void TraceLoad::set_random_scale(double lo, double hi) {
  if (!(lo > 0 && hi >= lo && std::isfinite(hi))) {
    throw Error(series_->source + ": random scale range must satisfy 0 < lo <= hi, got [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "]");
  }
  scale_lo_ = lo;
  scale_hi_ = hi;
}

void TraceLoad::reset(std::uint64_t load_seed) {
  if (scale_hi_ > scale_lo_) {
    Rng rng(stream_seed(load_seed, LoadStream::kTraceScale));
    scale_ = std::exp(rng.uniform(std::log(scale_lo_), std::log(scale_hi_)));
  } else {
    scale_ = scale_lo_;
  }
  if (fixed_start_) {
    start_ = *fixed_start_;
  } else {
    const auto starts =
        static_cast<std::uint64_t>(series_->tpm.size()) - static_cast<std::uint64_t>(episode_minutes_) + 1;
    Rng rng(load_seed);
    start_ = static_cast<std::int64_t>(rng.below(starts));
  }
  pos_ = static_cast<std::size_t>(start_);
}

std::int64_t TraceLoad::clock() const {
  if (!series_->start_epoch_seconds) return kNoClock;
  const auto n = static_cast<std::int64_t>(series_->tpm.size());
  const std::int64_t last = (static_cast<std::int64_t>(pos_) - 1 + n) % n;
  return *series_->start_epoch_seconds + 60 * last;
}

std::int64_t TraceLoad::next() {
  const auto& tpm = series_->tpm;
  // Clamping before rounding keeps llround defined for any finite rate.
  const double v = std::clamp(tpm[pos_] * scale_, 0.0, 9.0e18);
  if (++pos_ == tpm.size()) pos_ = 0;
  return std::llround(v);
}

}  // namespace autoscale
