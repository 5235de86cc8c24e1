#pragma once
#include <vector>

#include "load/notebook_load.hpp"

namespace autoscale {

// Event-driven traffic: the seed's load with surges laid over it, the way a match, a sale or a
// news story multiplies a site's traffic for an hour or three and then lets go (the World Cup
// trace is made of them). Events arrive as a Poisson process; each ramps up to `magnitude` extra
// times the base load, holds, and decays linearly. None of it is periodic, so a policy that only
// forecasts the daily cycle is caught out: it is training variety for general models.
struct EventParams {
  double events_per_day = 1.5;
  double magnitude_lo = 1, magnitude_hi = 5;     // extra load at the plateau, in multiples of the base
  double ramp_up_lo = 10, ramp_up_hi = 45;       // minutes from the start to the plateau
  double duration_lo = 90, duration_hi = 180;    // plateau minutes
  double decay_lo = 20, decay_hi = 90;           // minutes from the plateau back to the base
};

class EventLoad final : public LoadModel {
 public:
  EventLoad(NotebookLoadParams seed, EventParams events) : inner_(seed), p_(events), max_tpm_(seed.max_tpm) {}
  void reset(std::uint64_t load_seed) override;
  std::int64_t next() override;
  std::unique_ptr<LoadModel> clone() const override { return std::make_unique<EventLoad>(*this); }

  // The factor (>= 1) the base load was multiplied by in the minute last returned by next().
  double factor() const { return factor_; }

 private:
  struct Event {
    double start, up, plateau, decay, magnitude;
    double extra(double minute) const;  // extra multiples of the base at `minute`
    double end() const { return start + up + plateau + decay; }
  };
  void schedule_next();

  NotebookLoad inner_;
  EventParams p_;
  double max_tpm_;
  Rng rng_;
  std::vector<Event> active_;
  double minute_ = 0, next_start_ = 0, factor_ = 1;
};

}  // namespace autoscale
