#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

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
inline constexpr int kDayMinutes = 1440;
// Bumped whenever the extended features change meaning, so an old model is refused, not misread.
inline constexpr int kFeaturesVersion = 2;

enum class FeatureSet { kNotebook, kExtended };  // user-facing names: "seed", "extended"
FeatureSet parse_feature_set(const std::string& name);  // "seed" | "extended"
std::string to_string(FeatureSet f);

// Builds observations from what a controller sees each minute (StepInfo and the fleet), so the
// environment, the trainer and a deployed policy compute identical features from the same history.
// `kExtended` appends, in units a network can use before normalization: demand and fleet in
// hundreds of machines, the fleet-to-demand ratio, the last minute's change, short- and long-run
// load trends, load volatility, a decaying recent peak, the spike excess over the baseline, and the
// minutes since the last sudden jump (the seed's spikes cannot follow each other closely, so the
// risk of the next one depends on how long ago the last one started), and how the smoothed load
// moved yesterday over the coming 6 and 60 minutes (the daily pattern's forecast, as a
// predictive autoscaler would use it; zero during the first day).
class Features {
 public:
  Features(const ServiceParams& p, FeatureSet set);
  int dim() const { return static_cast<int>(values_.size()); }
  FeatureSet set() const { return set_; }
  void reset();  // forget all history (EMAs start from 0, as in the seed)
  void update(const StepInfo& info, const Fleet& fleet);
  std::span<const float> values() const { return values_; }

 private:
  void update_extended(const StepInfo& info, const Fleet& fleet);

  FeatureSet set_;
  double inv_max_tpm_, inv_max_machines_, inv_delta_, inv_tpm_;
  std::array<double, kEmaAlphas.size() * kSignals> ema_{};
  // Extended state, in machines' worth of load.
  double prev_load_ = 0, fast_ = 0, slow_ = 0, base_ = 0, vol_ = 0, peak_ = 0;
  double since_jump_ = 2000, jump_size_ = 0;
  std::vector<float> day_;  // smoothed load of the last kDayMinutes minutes, by minute % kDayMinutes
  bool started_ = false;
  std::vector<float> values_;
};

}  // namespace autoscale
