#include "env/features.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "env/env.hpp"

namespace autoscale {
namespace {

// The EMA table flattened alpha-major, so the update is one straight loop the compiler vectorizes.
constexpr std::size_t kEmas = kEmaAlphas.size() * kSignals;
constexpr auto kAlpha = [] {
  std::array<double, kEmas> a{};
  for (std::size_t i = 0; i < kEmas; ++i) a[i] = kEmaAlphas[i / kSignals];
  return a;
}();
constexpr auto kKeep = [] {
  std::array<double, kEmas> a{};
  for (std::size_t i = 0; i < kEmas; ++i) a[i] = 1 - kAlpha[i];
  return a;
}();

}  // namespace

namespace {

std::size_t feature_count(const ServiceParams& p, FeatureSet set) {
  const auto latency = static_cast<std::size_t>(p.warmup_latency);
  switch (set) {
    case FeatureSet::kNotebook: return kEmas + latency;
    case FeatureSet::kExtended: return kEmas + latency + kExtraFeatures;
    case FeatureSet::kScaled: return kScaledFeatures + latency;
  }
  return 0;
}

// Load averages of the scaled set: about 3, 20, 100 and 500 minutes.
constexpr std::array<double, 4> kScaledAlphas{0.3, 0.05, 0.01, 0.002};
// The reference level's peak halves in about two days without new highs.
constexpr double kPeakKeep = 1.0 - 1.0 / 4320;

// Writes a feature set's values in order and checks, on every update, that the builder wrote
// exactly the count its set declares (kExtraFeatures, kScaledFeatures + latency): a feature added
// or dropped without its count fails the first update, not a model file later.
class FeatureWriter {
 public:
  FeatureWriter(float* out, std::size_t size) : out_(out), size_(size) {}
  void operator()(double v) {
    if (n_ < size_) out_[n_] = static_cast<float>(v);
    ++n_;
  }
  void finish(const char* set) const {
    if (n_ != size_) throw Error(fmt::format("the {} features wrote {} values where their set holds {}", set, n_, size_));
  }

 private:
  float* out_;
  std::size_t size_, n_ = 0;
};

}  // namespace

Features::Features(const ServiceParams& p, FeatureSet set)
    : set_(set),
      inv_max_tpm_(1.0 / p.max_tpm),
      inv_max_machines_(1.0 / std::max(1, p.max_machines())),
      inv_delta_(1.0 / std::max(1, p.max_machine_delta)),
      inv_tpm_(1.0 / p.tpm_per_machine),
      tpm_(p.tpm_per_machine),
      values_(feature_count(p, set), 0.0f) {
  if (set != FeatureSet::kNotebook) day_.assign(kDayMinutes, 0.0f);
}

void Features::reset() {
  ema_.fill(0.0);
  prev_load_ = fast_ = slow_ = base_ = vol_ = peak_ = 0;
  since_jump_ = kNoJumpMinutes;
  jump_size_ = 0;
  std::fill(day_.begin(), day_.end(), 0.0f);
  started_ = false;
  peak_level_ = 0;
  recent_.fill(0.0);
  recent_count_ = 0;
  avg_.fill(0.0);
  volatility_ = 0;
  scaled_prev_ = scaled_jump_ = 0;
  scaled_since_jump_ = kNoJumpMinutes;
  scaled_minutes_ = 0;
  scaled_started_ = false;
  std::fill(values_.begin(), values_.end(), 0.0f);
}

double Features::recent_max(int minutes) const {
  const auto n = static_cast<std::int64_t>(std::clamp(minutes, 1, kRecentMinutes));
  double m = 0;
  for (std::int64_t k = 0; k < std::min(n, recent_count_); ++k) m = std::max(m, recent_[static_cast<std::size_t>((recent_count_ - 1 - k) % kRecentMinutes)]);
  return m;
}

void Features::update_shared(const StepInfo& info) {
  // A minute with no load at all is a missing datapoint (a logging gap: real traffic does not fall
  // from thousands to exactly zero), and the reset's zero-load minute is no datapoint either: the
  // recent loads and the reference level skip them, so a controller built on them holds its fleet
  // through a gap instead of shedding it and paying downtime when the traffic shows up again.
  if (info.minute == 0 || info.load == 0) return;
  const double load = static_cast<double>(info.load);
  peak_level_ = std::max(load, peak_level_ * kPeakKeep);
  if (recent_count_ > 0) {
    const double last = recent_[static_cast<std::size_t>((recent_count_ - 1) % kRecentMinutes)];
    volatility_ += 0.05 * (std::abs(load - last) - volatility_);
  }
  recent_[static_cast<std::size_t>(recent_count_ % kRecentMinutes)] = load;
  ++recent_count_;
}

void Features::update(const StepInfo& info, const Fleet& fleet) {
  update_shared(info);
  if (set_ == FeatureSet::kScaled) {
    update_scaled(info, fleet);
    return;
  }
  const double load = static_cast<double>(info.load);
  const double signal[kSignals] = {
      load * inv_max_tpm_,
      static_cast<double>(info.failed) / (load + 1e-5),
      info.down ? 1.0 : 0.0,
      static_cast<double>(info.active) * inv_max_machines_,
  };
  double* __restrict e = ema_.data();
  float* __restrict out = values_.data();
  for (std::size_t i = 0; i < kEmas; ++i) {
    e[i] = e[i] * kKeep[i] + kAlpha[i] * signal[i % kSignals];
    out[i] = static_cast<float>(e[i]);
  }
  const int latency = fleet.latency();
  for (int i = 0; i < latency; ++i) out[kEmas + static_cast<std::size_t>(i)] = static_cast<float>(fleet.queued(i) * inv_delta_);
  if (set_ == FeatureSet::kExtended) update_extended(info, fleet);
}

void Features::update_extended(const StepInfo& info, const Fleet& fleet) {
  const double need = static_cast<double>(info.load) * inv_tpm_;  // machines' worth of load
  if (info.minute == 0) {
    // The reset minute has no load; the first real minute seeds the averages.
    started_ = false;
  } else if (!started_) {
    prev_load_ = fast_ = slow_ = base_ = peak_ = need;
    vol_ = 0;
    started_ = true;
  }
  const double delta = need - prev_load_;
  if (started_) {
    // A jump: a rise far beyond the minute-to-minute noise (and at least a machine's worth).
    if (delta > std::max(4 * vol_, 1.0)) {
      since_jump_ = 0;
      jump_size_ = delta;
    } else {
      since_jump_ += 1;
    }
    fast_ += 0.3 * (need - fast_);
    slow_ += 0.03 * (need - slow_);
    base_ += 0.003 * (need - base_);
    vol_ += 0.05 * (std::abs(delta) - vol_);
    peak_ = std::max(need, peak_ - 0.002 * peak_);
  }
  prev_load_ = need;
  const double fleet_size = fleet.active() + fleet.warming();
  FeatureWriter put(values_.data() + values_.size() - kExtraFeatures, kExtraFeatures);
  put(need / 100);
  put(fleet.active() / 100.0);
  put(fleet.warming() / 10.0);
  put(std::min(fleet_size / std::max(need, 1.0), 5.0));
  put(delta / 10);
  put((fast_ - slow_) / 10);
  put((slow_ - base_) / 10);
  put(vol_);
  put(peak_ / 100);
  put((need - base_) / 10);
  put(std::min(since_jump_, kNoJumpMinutes) / 1000);
  put(jump_size_ / 10);
  // Yesterday, at this minute and 6 and 60 minutes later (slot m % day still holds minute m - day).
  const std::int64_t m = info.minute;
  if (m > kDayMinutes) {
    const auto at = [&](std::int64_t k) { return static_cast<double>(day_[static_cast<std::size_t>((m + k) % kDayMinutes)]); };
    put((at(6) - at(0)) / 10);
    put((at(60) - at(0)) / 10);
  } else {
    put(0);
    put(0);
  }
  put.finish("extended");
  if (m > 0) day_[static_cast<std::size_t>(m % kDayMinutes)] = static_cast<float>(fast_);
}

void Features::update_scaled(const StepInfo& info, const Fleet& fleet) {
  const double load = static_cast<double>(info.load);
  const double r = reference_level(), inv_r = 1.0 / r;
  if (info.minute > 0) {
    if (!scaled_started_) {
      avg_.fill(load);
      scaled_prev_ = load;
      scaled_started_ = true;
    }
    const double change = load - scaled_prev_;
    // A jump: a rise far beyond the minute-to-minute noise, and at least 2 % of the level.
    if (change > std::max(4 * volatility_, 0.02 * r)) {
      scaled_since_jump_ = 0;
      scaled_jump_ = change;
    } else {
      scaled_since_jump_ += 1;
    }
    for (std::size_t k = 0; k < avg_.size(); ++k) avg_[k] += kScaledAlphas[k] * (load - avg_[k]);
    scaled_prev_ = load;
    ++scaled_minutes_;
  }
  const int latency = fleet.latency();
  FeatureWriter put(values_.data(), values_.size());
  put(std::min(tpm_ * inv_r, 10.0));
  put(load * inv_r);
  put(fleet.active() * tpm_ * inv_r);
  put(fleet.warming() * tpm_ * inv_r);
  for (int q = 0; q < latency; ++q) put(fleet.queued(q) * tpm_ * inv_r);
  for (const double a : avg_) put(a * inv_r);
  put(volatility_ * inv_r);
  put(std::min(volatility_ / std::max(avg_[1], 1.0), 2.0));
  put(std::min((fleet.active() + fleet.warming()) * tpm_ / std::max(load, 1.0), 5.0));
  put(static_cast<double>(info.failed) / std::max(load, 1.0));
  put(info.down ? 1.0 : 0.0);
  put(std::min(scaled_since_jump_, kNoJumpMinutes) / 1000);
  put(scaled_jump_ * inv_r);
  // Yesterday at this time of day and 6 and 60 minutes later, by the wall clock when there is
  // one, else by the episode's minute (the seed's cycle is exactly a day).
  const bool clock = info.clock != kNoClock;
  const std::int64_t now = clock ? (info.clock / 60) % kDayMinutes : info.minute % kDayMinutes;
  const auto day = [&](std::int64_t k) { return static_cast<double>(day_[static_cast<std::size_t>((now + k) % kDayMinutes)]); };
  if (scaled_minutes_ > kDayMinutes) {
    put((day(6) - day(0)) * inv_r);
    put((day(60) - day(0)) * inv_r);
    put(day(0) * inv_r);
  } else {
    put(0);
    put(0);
    put(0);
  }
  if (info.minute > 0) day_[static_cast<std::size_t>(now)] = static_cast<float>(avg_[0]);
  put(clock ? 1.0 : 0.0);
  constexpr double kTwoPi = 6.283185307179586;
  const double day_phase = clock ? static_cast<double>(info.clock % 86400) / 86400 : 0;
  // 1970-01-01 was a Thursday: shift so that 0 is Monday 00:00.
  const double week_phase = clock ? static_cast<double>((info.clock + 3 * 86400) % (7 * 86400)) / (7 * 86400) : 0;
  put(clock ? std::sin(kTwoPi * day_phase) : 0.0);
  put(clock ? std::cos(kTwoPi * day_phase) : 0.0);
  put(clock ? std::sin(kTwoPi * week_phase) : 0.0);
  put(clock ? std::cos(kTwoPi * week_phase) : 0.0);
  put.finish("scaled");
}

}  // namespace autoscale
