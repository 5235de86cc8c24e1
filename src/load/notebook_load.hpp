#pragma once
#include "core/rng.hpp"
#include "load/load_model.hpp"

namespace autoscale {

// The seed's load: a daily sine cycle with a 2-5-day low-frequency modulation, multiplicative
// Gaussian noise, and linearly decaying spikes at random intervals. See docs/seed-model.md.
struct NotebookLoadParams {
  double max_tpm = 100000;
  double cyclic_min_lo = 1000, cyclic_min_hi = 2000;   // cyclic_min ~ U(lo, hi)
  double cyclic_span_lo = 5000, cyclic_span_hi = 7000; // cyclic_max = cyclic_min + U(lo, hi)
  double noise_lo = 0.01, noise_hi = 0.05;
  double lf_amp_lo = 0.1, lf_amp_hi = 0.2;
  double lf_period_lo = 2, lf_period_hi = 5;            // in daily cycles
  double spike_until_lo = 100, spike_until_hi = 1000;  // minutes until the next spike
  double spike_width_base = 5, spike_width_mu = 3, spike_width_sigma = 2;  // 5 + LN(mu, sigma)
  double spike_height_lo = 0.1, spike_height_hi = 0.2; // times cyclic_max
  double minutes_per_day = 1440;
};

class NotebookLoad final : public LoadModel {
 public:
  explicit NotebookLoad(NotebookLoadParams p = {}) : p_(p) {}
  void reset(std::uint64_t load_seed) override;
  std::int64_t next() override;
  std::unique_ptr<LoadModel> clone() const override { return std::make_unique<NotebookLoad>(*this); }

  // True when the minute last returned by next() started a spike (its timer first reached <= 0).
  bool spike_started() const { return spike_started_; }
  std::int64_t minute() const { return m_; }

 private:
  void draw_spike();
  void exact_phases();

  NotebookLoadParams p_;
  Rng rng_;
  double avg_ = 0, amp_ = 0, cyclic_max_ = 0, noise_ = 0, cyclic_phase_ = 0;
  double lf_amp_ = 0, lf_period_ = 1, lf_phase_ = 0;
  double until_ = 0, width_ = 1, height_ = 0;
  std::int64_t m_ = 0;
  bool spike_started_ = false;
  // sin/cos of the daily and low-frequency phases, advanced by rotation each minute (two
  // multiply-adds instead of two calls to sin) and recomputed exactly every 1024 minutes.
  double ds_ = 0, dc_ = 1, ls_ = 0, lc_ = 1;
  double rot_ds_ = 0, rot_dc_ = 1, rot_ls_ = 0, rot_lc_ = 1;
};

}  // namespace autoscale
