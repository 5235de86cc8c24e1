#include "policies/predictive.hpp"

#include <algorithm>
#include <cmath>

#include "policies/actuator.hpp"
#include "policies/signals.hpp"

namespace autoscale {

void SeasonalForecaster::observe(double load) {
  prefix_.push_back(prefix_.back() + load);
  last_ = load;
}

double SeasonalForecaster::trailing_mean(std::int64_t i) const {
  const auto hi = static_cast<std::size_t>(i + 1), lo = static_cast<std::size_t>(i + 1 - c_.smooth);
  return (prefix_[hi] - prefix_[lo]) / c_.smooth;
}

double SeasonalForecaster::forecast(int h) const {
  const std::int64_t now = observed() - 1;  // index of the last observed minute
  if (now < 0) return 0;
  // The oldest minute a reference season reads is now - period - smooth + 1.
  const auto available = [&](std::int64_t period) { return now - period - c_.smooth + 1 >= 0; };
  const std::int64_t period = available(c_.week) ? c_.week : c_.season;
  double deltas[64];
  int n = 0;
  for (int k = 1; k <= c_.seasons && n < 64; ++k) {
    const std::int64_t lag = period * k;
    if (!available(lag) || h > lag) break;
    deltas[n++] = trailing_mean(now + h - lag) - trailing_mean(now - lag);
  }
  if (n == 0) return last_;
  std::sort(deltas, deltas + n);
  const double median = n % 2 ? deltas[n / 2] : 0.5 * (deltas[n / 2 - 1] + deltas[n / 2]);
  return std::max(0.0, last_ + median);
}

PredictiveConfig read_predictive_config(SpecReader& r, int max_machines) {
  PredictiveConfig c;
  c.safety = r.number("safety", c.safety, 0, 100);
  c.reserve = r.number("reserve", c.reserve, 0, 1e6);
  c.buffer = r.integer("buffer", c.buffer, 0, 1440);
  c.forecast.seasons = r.integer("seasons", c.forecast.seasons, 1, 64);
  c.forecast.smooth = r.integer("smooth", c.forecast.smooth, 1, 240);
  c.tracking = read_target_tracking_config(r, max_machines, c.tracking);
  return c;
}

void PredictivePolicy::reset(const Env& env) {
  forecaster_.reset();
  tracker_.reset(env);
  floor_ = 0;
}

Action PredictivePolicy::act(const Env& env) {
  if (before_first_datapoint(env)) return {};
  const double load = static_cast<double>(env.info().load);
  forecaster_.observe(load);
  const int horizon = env.params().warmup_latency + 1 + c_.buffer;
  double peak = load;
  for (int h = 1; h <= horizon; ++h) peak = std::max(peak, forecaster_.forecast(h));
  floor_ =
      std::min(env.fleet().max_machines(),
               static_cast<int>(std::ceil((peak * c_.safety + c_.reserve) / env.params().tpm_per_machine)));
  return steer_ready_first(env, tracker_.update(env, floor_));
}

}  // namespace autoscale
