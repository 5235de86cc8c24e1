#include "load/event_load.hpp"

#include <algorithm>
#include <cmath>

namespace autoscale {

double EventLoad::Event::extra(double m) const {
  const double t = m - start;
  if (t < 0 || t >= up + plateau + decay) return 0;
  if (t < up) return magnitude * t / up;
  if (t < up + plateau) return magnitude;
  return magnitude * (1 - (t - up - plateau) / decay);
}

void EventLoad::reset(std::uint64_t load_seed) {
  // The events come from their own stream of the load seed: the base load of an episode is the
  // `seed` scenario's for the same episode seed.
  inner_.reset(load_seed);
  rng_.reseed(stream_seed(load_seed, LoadStream::kEvents));
  active_.clear();
  minute_ = 0;
  factor_ = 1;
  next_start_ = 0;
  schedule_next();
}

void EventLoad::schedule_next() {
  if (p_.events_per_day <= 0) {
    next_start_ = HUGE_VAL;
    return;
  }
  next_start_ += -std::log(1 - rng_.uniform()) * 1440 / p_.events_per_day;  // exponential gaps
}

std::int64_t EventLoad::next() {
  const double base = static_cast<double>(inner_.next());
  minute_ += 1;
  while (next_start_ <= minute_) {
    Event e;
    e.start = next_start_;
    e.up = rng_.uniform(p_.ramp_up_lo, p_.ramp_up_hi);
    e.plateau = rng_.uniform(p_.duration_lo, p_.duration_hi);
    e.decay = rng_.uniform(p_.decay_lo, p_.decay_hi);
    e.magnitude = rng_.uniform(p_.magnitude_lo, p_.magnitude_hi);
    active_.push_back(e);
    schedule_next();
  }
  factor_ = 1;
  for (const auto& e : active_) factor_ += e.extra(minute_);
  std::erase_if(active_, [this](const Event& e) { return e.end() <= minute_; });
  return static_cast<std::int64_t>(std::min(std::trunc(base * factor_), max_tpm_));
}

}  // namespace autoscale
