#pragma once
#include "load/notebook_load.hpp"

namespace autoscale {

// The seed's load times a weekday/weekend pattern, which the seed's prose promises and its code
// lacks: five weekdays at 1, two weekend days at `weekend_factor`, joined by linear ramps so the
// load has no step at midnight. The episode starts at a random minute of the week.
struct WeeklyParams {
  double weekend_factor = 0.6;
  double ramp_minutes = 180;
};

class WeeklyLoad final : public LoadModel {
 public:
  WeeklyLoad(NotebookLoadParams seed, WeeklyParams week) : inner_(seed), week_(week) {}
  void reset(std::uint64_t load_seed) override;
  std::int64_t next() override;
  std::unique_ptr<LoadModel> clone() const override { return std::make_unique<WeeklyLoad>(*this); }
  // A synthetic calendar: minute 0 of the week is Monday 1970-01-05 00:00 UTC.
  std::int64_t clock() const override { return clock_; }

  // The weekly factor at a minute of the week (0 = Monday 00:00).
  double factor(double minute_of_week) const;

 private:
  NotebookLoad inner_;
  WeeklyParams week_;
  std::int64_t minute_of_week_ = 0;
  std::int64_t clock_ = 0;
};

}  // namespace autoscale
