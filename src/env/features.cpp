#include "env/features.hpp"

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

FeatureSet parse_feature_set(const std::string& name) {
  if (name == "seed") return FeatureSet::kNotebook;
  if (name == "extended") return FeatureSet::kExtended;
  throw Error("unknown feature set '" + name + "' (known: seed, extended)");
}

std::string to_string(FeatureSet f) { return f == FeatureSet::kNotebook ? "seed" : "extended"; }

Features::Features(const ServiceParams& p, FeatureSet set)
    : set_(set),
      inv_max_tpm_(1.0 / p.max_tpm),
      inv_max_machines_(1.0 / std::max(1, p.max_machines())),
      inv_delta_(1.0 / std::max(1, p.max_machine_delta)),
      inv_tpm_(1.0 / p.tpm_per_machine),
      values_(kEmas + static_cast<std::size_t>(p.warmup_latency) + (set == FeatureSet::kExtended ? kExtraFeatures : 0),
              0.0f) {
  if (set == FeatureSet::kExtended) day_.assign(kDayMinutes, 0.0f);
}

void Features::reset() {
  ema_.fill(0.0);
  prev_load_ = fast_ = slow_ = base_ = vol_ = peak_ = 0;
  since_jump_ = 2000;
  jump_size_ = 0;
  std::fill(day_.begin(), day_.end(), 0.0f);
  started_ = false;
  std::fill(values_.begin(), values_.end(), 0.0f);
}

void Features::update(const StepInfo& info, const Fleet& fleet) {
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
  float* x = values_.data() + values_.size() - kExtraFeatures;
  x[0] = static_cast<float>(need / 100);
  x[1] = static_cast<float>(fleet.active() / 100.0);
  x[2] = static_cast<float>(fleet.warming() / 10.0);
  x[3] = static_cast<float>(std::min(fleet_size / std::max(need, 1.0), 5.0));
  x[4] = static_cast<float>(delta / 10);
  x[5] = static_cast<float>((fast_ - slow_) / 10);
  x[6] = static_cast<float>((slow_ - base_) / 10);
  x[7] = static_cast<float>(vol_);
  x[8] = static_cast<float>(peak_ / 100);
  x[9] = static_cast<float>((need - base_) / 10);
  x[10] = static_cast<float>(std::min(since_jump_, 2000.0) / 1000);
  x[11] = static_cast<float>(jump_size_ / 10);
  // Yesterday, at this minute and 6 and 60 minutes later (slot m % day still holds minute m - day).
  const std::int64_t m = info.minute;
  if (m > kDayMinutes) {
    const auto at = [&](std::int64_t k) { return static_cast<double>(day_[static_cast<std::size_t>((m + k) % kDayMinutes)]); };
    x[12] = static_cast<float>((at(6) - at(0)) / 10);
    x[13] = static_cast<float>((at(60) - at(0)) / 10);
  } else {
    x[12] = x[13] = 0.0f;
  }
  if (m > 0) day_[static_cast<std::size_t>(m % kDayMinutes)] = static_cast<float>(fast_);
}

}  // namespace autoscale
