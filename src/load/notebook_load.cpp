#include "load/notebook_load.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace autoscale {

void NotebookLoad::reset(std::uint64_t load_seed) {
  rng_.reseed(load_seed);
  const double cmin = rng_.uniform(p_.cyclic_min_lo, p_.cyclic_min_hi);
  cyclic_max_ = cmin + rng_.uniform(p_.cyclic_span_lo, p_.cyclic_span_hi);
  avg_ = (cmin + cyclic_max_) / 2;
  amp_ = (cyclic_max_ - cmin) / 2;
  noise_ = rng_.uniform(p_.noise_lo, p_.noise_hi);
  cyclic_phase_ = rng_.uniform(-std::numbers::pi, std::numbers::pi);
  lf_amp_ = rng_.uniform(p_.lf_amp_lo, p_.lf_amp_hi);
  lf_period_ = rng_.uniform(p_.lf_period_lo, p_.lf_period_hi);
  lf_phase_ = rng_.uniform(-std::numbers::pi, std::numbers::pi);
  draw_spike();
  m_ = 0;
  spike_started_ = false;
  const double step = std::numbers::pi / (p_.minutes_per_day / 2);
  rot_ds_ = std::sin(step);
  rot_dc_ = std::cos(step);
  rot_ls_ = std::sin(step / lf_period_);
  rot_lc_ = std::cos(step / lf_period_);
  exact_phases();
}

void NotebookLoad::draw_spike() {
  until_ = rng_.uniform(p_.spike_until_lo, p_.spike_until_hi);
  width_ = p_.spike_width_base + rng_.lognormal(p_.spike_width_mu, p_.spike_width_sigma);
  height_ = cyclic_max_ * rng_.uniform(p_.spike_height_lo, p_.spike_height_hi);
}

void NotebookLoad::exact_phases() {
  const double phase = static_cast<double>(m_) * std::numbers::pi / (p_.minutes_per_day / 2) + cyclic_phase_;
  ds_ = std::sin(phase);
  dc_ = std::cos(phase);
  const double lf = phase / lf_period_ + lf_phase_;
  ls_ = std::sin(lf);
  lc_ = std::cos(lf);
}

std::int64_t NotebookLoad::next() {
  ++m_;
  if ((m_ & 1023) == 0) {
    exact_phases();
  } else {
    const double s = ds_ * rot_dc_ + dc_ * rot_ds_;
    dc_ = dc_ * rot_dc_ - ds_ * rot_ds_;
    ds_ = s;
    const double l = ls_ * rot_lc_ + lc_ * rot_ls_;
    lc_ = lc_ * rot_lc_ - ls_ * rot_ls_;
    ls_ = l;
  }
  double cyclic = avg_ + amp_ * ds_;
  cyclic *= 1 + ls_ * lf_amp_;
  cyclic *= rng_.normal(1.0, noise_);

  const double before = until_;
  until_ -= 1;
  spike_started_ = until_ <= 0 && before > 0;
  double spike = 0;
  if (until_ <= 0) {
    spike = height_ * (1 + until_ / width_);
    // The seed adds this last, negative value before drawing the next spike: a small dip.
    if (spike < 0) draw_spike();
  }
  const double load = std::trunc(cyclic + spike);
  return static_cast<std::int64_t>(std::clamp(load, 0.0, p_.max_tpm));
}

}  // namespace autoscale
