#pragma once
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

namespace autoscale {

// A source of load in transactions per minute (tpm), one value per simulated minute.
// Implementations draw all their randomness from the seed they are reset with: the environment
// hands them its episode's load-stream seed, which no action can touch (common random numbers).

// LoadModel::clock() of a load with no wall clock (the notebook's model has a random phase).
inline constexpr std::int64_t kNoClock = std::numeric_limits<std::int64_t>::min();

class LoadModel {
 public:
  virtual ~LoadModel() = default;
  // Starts a new episode whose randomness is a function of `load_seed` alone.
  virtual void reset(std::uint64_t load_seed) = 0;
  // The load of the next minute (minute 1 after reset, then 2, ...).
  virtual std::int64_t next() = 0;
  virtual std::unique_ptr<LoadModel> clone() const = 0;
  // The wall-clock time of the minute last returned by next() (before the first: the minute
  // before it), in UTC epoch seconds, for loads that have one (timestamped traces, the weekly
  // model's week); kNoClock otherwise. Policies may use it for time-of-day and day-of-week.
  virtual std::int64_t clock() const { return kNoClock; }
};

}  // namespace autoscale
