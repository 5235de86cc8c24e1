#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/name_table.hpp"
#include "service/fleet.hpp"
#include "service/params.hpp"

namespace autoscale {

struct StepInfo;

// The seed's observation: four signals (load / max_tpm, failed / load, down, active / max_machines)
// each smoothed by EMAs with alphas 1, 0.1, 0.01, 0.001, 0.0001 (alpha-major), then the warm-up
// queue / max_machine_delta, next-to-arrive first.
inline constexpr std::array<double, 5> kEmaAlphas{1.0, 0.1, 0.01, 0.001, 0.0001};
inline constexpr int kSignals = 4;
inline constexpr int kExtraFeatures = 14;
inline constexpr int kScaledFeatures = 23;  // plus one per warm-up slot
inline constexpr int kDayMinutes = 1440;
// Bumped whenever the extended features change meaning, so an old model is refused, not misread.
inline constexpr int kFeaturesVersion = 2;

enum class FeatureSet { kNotebook, kExtended, kScaled };
inline constexpr auto kFeatureSetNames = make_name_table<FeatureSet>(
    "feature set", std::pair{FeatureSet::kNotebook, "seed"}, std::pair{FeatureSet::kExtended, "extended"},
    std::pair{FeatureSet::kScaled, "scaled"});
inline FeatureSet parse_feature_set(const std::string& name) { return kFeatureSetNames.parse(name); }
inline std::string to_string(FeatureSet f) { return kFeatureSetNames.name(f); }

// Builds observations from what a controller sees each minute (StepInfo and the fleet), so the
// environment, the trainer and a deployed policy compute identical features from the same history.
// `kExtended` appends, in units a network can use before normalization: demand and fleet in
// hundreds of machines, the fleet-to-demand ratio, the last minute's change, short- and long-run
// load trends, load volatility, a decaying recent peak, the spike excess over the baseline, and the
// minutes since the last sudden jump (the seed's spikes cannot follow each other closely, so the
// risk of the next one depends on how long ago the last one started), and how the smoothed load
// moved yesterday over the coming 6 and 60 minutes (the daily pattern's forecast, as a
// predictive autoscaler would use it; zero during the first day).
// `kScaled` is built for policies that must carry over between services: every load quantity is
// divided by the service's own reference level (a peak of its load that decays over days), so a
// model sees the same numbers for a 900-tpm and a 90,000-tpm service with the same shape. It
// holds: the size of one machine, load, serving and warming capacity and each warm-up slot; load
// averages over about 3,
// 20, 100 and 500 minutes; volatility (mean |change| per minute) absolute and relative to the
// load; fleet coverage of the load; the failed fraction and downtime; minutes since the last
// sudden jump and its size; yesterday's movement over the next 6 and 60 minutes and yesterday's
// level; and, when the load has a wall clock, the time of day and the day of the week.
class Features {
 public:
  Features(const ServiceParams& p, FeatureSet set);
  int dim() const { return static_cast<int>(values_.size()); }
  FeatureSet set() const { return set_; }
  void reset();  // forget all history (EMAs start from 0, as in the seed)
  void update(const StepInfo& info, const Fleet& fleet);
  std::span<const float> values() const { return values_; }

  // What controllers built on these features share (every feature set keeps them):
  // the service's reference level in tpm (a decaying peak of its load, at least 1) ...
  double reference_level() const { return std::max(peak_level_, 1.0); }
  // ... and the highest load of the last `minutes` minutes with load (1 <= minutes <=
  // kRecentMinutes; minutes of zero load are gaps in the data, skipped).
  double recent_max(int minutes) const;
  // ... and the load's volatility: the mean absolute change from one minute with load to the next
  // (an average over about 20 such minutes), in tpm.
  double volatility() const { return volatility_; }
  static constexpr int kRecentMinutes = 64;
  // "Minutes since the last jump" before any jump, and the cap of that feature: long enough that
  // a jump this long ago no longer tells anything.
  static constexpr double kNoJumpMinutes = 2000;

 private:
  void update_extended(const StepInfo& info, const Fleet& fleet);
  void update_scaled(const StepInfo& info, const Fleet& fleet);
  void update_shared(const StepInfo& info);

  FeatureSet set_;
  double inv_max_tpm_, inv_max_machines_, inv_delta_, inv_tpm_;
  double tpm_ = 300;
  std::array<double, kEmaAlphas.size() * kSignals> ema_{};
  // Extended state, in machines' worth of load.
  double prev_load_ = 0, fast_ = 0, slow_ = 0, base_ = 0, vol_ = 0, peak_ = 0;
  double since_jump_ = kNoJumpMinutes, jump_size_ = 0;
  std::vector<float> day_;  // smoothed load of the last kDayMinutes minutes, by minute % kDayMinutes
  bool started_ = false;
  // Shared by every set (reference level, recent loads).
  double peak_level_ = 0;
  std::array<double, kRecentMinutes> recent_{};
  std::int64_t recent_count_ = 0;
  double volatility_ = 0;
  // Scaled state: load averages, volatility, day ring by minute of day.
  std::array<double, 4> avg_{};
  double scaled_prev_ = 0, scaled_since_jump_ = kNoJumpMinutes, scaled_jump_ = 0;
  std::int64_t scaled_minutes_ = 0;
  bool scaled_started_ = false;

  std::vector<float> values_;
};

}  // namespace autoscale
