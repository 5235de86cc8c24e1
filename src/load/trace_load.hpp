#pragma once
#include <cstdint>
#include <memory>
#include <optional>

#include "load/load_model.hpp"
#include "load/trace.hpp"

namespace autoscale {

// Replays a window of a real trace, one minute per step. The window is fixed or, per episode, a
// uniformly random stretch of the trace chosen by the load seed alone. Clones share the series.
class TraceLoad final : public LoadModel {
 public:
  // Throws Error if the trace is shorter than the episode, or a fixed start leaves less than an
  // episode of trace after it.
  TraceLoad(std::shared_ptr<const TraceSeries> series, std::optional<std::int64_t> fixed_start,
            std::int64_t episode_minutes);

  // Training-distribution randomization: each episode multiplies the trace by a factor drawn
  // log-uniformly from [lo, hi] (by the load seed alone), so a policy learns the same traffic at
  // levels it has not seen yet (services grow; a model trained on last month meets next month).
  void set_random_scale(double lo, double hi);
  double episode_scale() const { return scale_; }

  void reset(std::uint64_t load_seed) override;
  // Past the end of the window the replay runs on through the trace and wraps from its last minute
  // to its first, so a caller that runs longer than the episode still gets load.
  std::int64_t next() override;
  std::unique_ptr<LoadModel> clone() const override { return std::make_unique<TraceLoad>(*this); }
  std::int64_t clock() const override;

  std::int64_t window_start() const { return start_; }
  std::int64_t episode_minutes() const { return episode_minutes_; }
  const TraceSeries& series() const { return *series_; }

 private:
  std::shared_ptr<const TraceSeries> series_;
  std::optional<std::int64_t> fixed_start_;
  std::int64_t episode_minutes_;
  std::int64_t start_ = 0;
  std::size_t pos_ = 0;  // trace index of the next minute
  double scale_lo_ = 1, scale_hi_ = 1, scale_ = 1;
};

}  // namespace autoscale
