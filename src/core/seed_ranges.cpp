#include "core/seed_ranges.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace autoscale::seeds {

std::string SeedRange::describe() const {
  return count == 0 ? fmt::format("{} seeds (none)", name) : fmt::format("{} seeds {}..{}", name, first, first + count - 1);
}

std::uint64_t training_seed_base(std::uint64_t seed) { return 17 + seed * kTrainingStride; }

std::vector<SeedRange> reserved_ranges(std::uint64_t validation_first, std::uint64_t validation_count) {
  return {{"validation", validation_first, validation_count},
          {"evaluation", kEvaluation, kReservedSpan},
          {"holdout", kHoldout, kReservedSpan}};
}

void check_training_seeds(std::uint64_t seed, std::uint64_t episodes, std::uint64_t validation_first,
                          std::uint64_t validation_count) {
  if (seed > kMaxTrainingSeed) {
    throw Error(fmt::format("training seed {} is out of range: training seeds are 0..{}", seed, kMaxTrainingSeed));
  }
  if (episodes >= kTrainingStride) {
    throw Error(fmt::format("a training run of {} episodes would reach the next training seed's episodes ({} at most)",
                            episodes, kTrainingStride - 1));
  }
  const SeedRange training{fmt::format("training (--seed {})", seed), training_seed_base(seed), episodes};
  for (const SeedRange& r : reserved_ranges(validation_first, validation_count)) {
    if (training.meets(r)) {
      throw Error(fmt::format("{} would meet the {}: a policy would be judged on episodes it trained on", training.describe(),
                              r.describe()));
    }
  }
}

}  // namespace autoscale::seeds
