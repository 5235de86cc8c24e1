#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace autoscale {

// A source of load in transactions per minute (tpm), one value per simulated minute.
// Implementations draw all their randomness from the seed they are reset with: the environment
// hands them its episode's load-stream seed, which no action can touch (common random numbers).

class LoadModel {
 public:
  virtual ~LoadModel() = default;
  // Starts a new episode whose randomness is a function of `load_seed` alone.
  virtual void reset(std::uint64_t load_seed) = 0;
  // The load of the next minute (minute 1 after reset, then 2, ...).
  virtual std::int64_t next() = 0;
  virtual std::unique_ptr<LoadModel> clone() const = 0;
};

}  // namespace autoscale
