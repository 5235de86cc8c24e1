#pragma once
#include <cstdint>
#include <vector>

#include "policies/policy.hpp"
#include "policies/spec.hpp"
#include "policies/target_tracking.hpp"

namespace autoscale {

// Forecasts the load of the next minutes from the episode's own history: the last observed load
// plus the change the seasonal pattern made over the same clock interval in past seasons.
//   F(t + h) = x(t) + median over past seasons k of [S(t + h - k P) - S(t - k P)]
// S is the trailing mean over `smooth` minutes (it damps the per-minute noise of the reference
// seasons), P is one week when a week of history exists (weekday/weekend patterns), else one day;
// the median over up to `seasons` past seasons discards a one-off spike in one of them. This is
// seasonal-naive forecasting of the change rather than the level: the level comes from the
// freshest datapoint, so a shifted level (the seed's 2-5-day wave, a spike in progress) carries
// into the forecast at once, and only the shape of the next minutes is borrowed from history.
// Without a full past season the forecast is the last load (persistence): purely reactive.
struct ForecastConfig {
  int season = 1440;  // minutes in a day
  int week = 10080;   // minutes in a week
  int seasons = 3;    // past seasons whose changes are combined
  int smooth = 5;     // minutes in the trailing mean of the reference seasons
};

class SeasonalForecaster {
 public:
  explicit SeasonalForecaster(const ForecastConfig& config = {}) : c_(config) {}
  void reset() {
    prefix_.assign(1, 0.0);
    last_ = 0;
  }
  // Appends the next minute's load.
  void observe(double load);
  // The load forecast h >= 1 minutes after the last observed minute (0 before any observation).
  double forecast(int h) const;
  std::int64_t observed() const { return static_cast<std::int64_t>(prefix_.size()) - 1; }

 private:
  double trailing_mean(std::int64_t i) const;  // mean of minutes i - smooth + 1 .. i (0-based)
  ForecastConfig c_;
  std::vector<double> prefix_{0.0};  // prefix_[i] = sum of the first i loads
  double last_ = 0;
};

// AWS predictive scaling: a capacity forecast from the load forecast, scheduled ahead of time,
// is a floor under the desired capacity; dynamic target tracking adds more when the forecast is
// short and is the only way capacity comes back down (the floor merely stops holding it up).
// Each minute the floor is ceil((peak * safety + reserve) / tpm_per_machine), with peak the
// highest forecast (or the current load) over the next warmup_latency + 1 + buffer minutes: a
// machine ordered now serves from minute t + warmup_latency + 1, so the fleet is raised a
// buffer's worth of minutes before the forecast rise arrives. Capacity is only ever removed from
// serving machines beyond the desired capacity (steer_ready_first).
struct PredictiveConfig {
  double safety = 1.3;    // multiplies the forecast peak
  double reserve = 1000;  // tpm added to it, for what no forecast sees coming (spikes)
  int buffer = 5;         // minutes of look-ahead beyond the warm-up
  ForecastConfig forecast;
  // Dynamic scaling on top: a higher target than alone, as the floor already holds the headroom.
  TargetTrackingConfig tracking{.target = 0.7};
};

PredictiveConfig read_predictive_config(SpecReader& r, int max_machines);

class PredictivePolicy final : public Policy {
 public:
  explicit PredictivePolicy(const PredictiveConfig& config)
      : c_(config), forecaster_(config.forecast), tracker_(config.tracking) {}
  void reset(const Env& env) override;
  Action act(const Env& env) override;
  // The forecast-based floor computed in the last act().
  int forecast_capacity() const { return floor_; }
  int desired_fleet() const override { return tracker_.desired(); }

 private:
  PredictiveConfig c_;
  SeasonalForecaster forecaster_;
  TargetTracker tracker_;
  int floor_ = 0;
};

}  // namespace autoscale
