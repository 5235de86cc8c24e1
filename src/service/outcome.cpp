#include "service/outcome.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace autoscale {
namespace {

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }
double normal_pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * std::numbers::pi); }

// Smallest served count that is not downtime for this load (the seed's floating-point test).
std::int64_t min_served_not_down(const ServiceParams& p, std::int64_t load) {
  auto s = static_cast<std::int64_t>(std::ceil(p.downtime_percent / 100.0 * static_cast<double>(load)));
  s = std::clamp<std::int64_t>(s, 0, load);
  while (s > 0 && !is_down(p, load, s - 1)) --s;
  while (s < load && is_down(p, load, s)) ++s;
  return s;
}

}  // namespace

double expected_minute_reward(const ServiceParams& p, std::int64_t load, int active, int warming) {
  const double mu = p.tpm_per_machine, sigma = p.tpm_sigma, L = static_cast<double>(load);
  const double cost = p.billed_machines(active, warming) * p.machine_cost;
  if (active == 0 || sigma == 0) {
    return minute_outcome(p, load, fleet_capacity(p, active, 0.0), active, warming).reward;
  }
  // Capacity = floor(a * C), C ~ N(mu, sigma). Served = min(L, capacity); E[min(L, aC)] by the
  // normal partial expectation, less about half a transaction for the floor when capacity binds.
  const double a = active, k = L / a, d = (k - mu) / sigma;
  const double shortfall = a * ((k - mu) * normal_cdf(d) + sigma * normal_pdf(d));
  const double served = L - shortfall - 0.5 * normal_cdf(d);
  const double s_ok = static_cast<double>(min_served_not_down(p, load));
  // Down iff floor(aC) < s_ok iff aC < s_ok (s_ok is an integer).
  const double p_down = load == 0 ? (p.zero_load_is_down ? 1.0 : 0.0) : normal_cdf((s_ok / a - mu) / sigma);
  return served * p.transaction_val / 1000.0 - p_down * p.downtime_cost - cost;
}

}  // namespace autoscale
