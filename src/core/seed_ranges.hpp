#pragma once
// Every range of episode seeds the project draws from, in one table, so that no two uses that must
// stay apart can meet: an episode seed fixes an episode's load and capacity draws (and on a trace
// its window), so a policy evaluated on a seed it trained on is evaluated on its training data.
//
//   tuning       0 ..                 `tune --seed 0` (training-side, like training: may share)
//   training     training_seed_base(seed) ..  one per episode a `train --seed` run draws
//   validation   900'000 ..           PPO's validation episodes, which pick `best`
//   evaluation   5'000'000 ..         `run`'s unseen episodes (the README's `evaluate --seed 5000000`)
//   holdout      6'000'000 ..         `run`'s gate, on the held-out end of a trace's past
//
// Training is the only range whose position depends on a user's number, so it is the one checked
// (check_training_seeds, called by the trainer): it must not meet validation, evaluation or holdout.
// Seed 0 trains on episodes 17.. as it always has; every other seed starts a stride of 2^33 away,
// beyond every reserved range, so a run of any length short of 2^33 episodes cannot reach one.
#include <cstdint>
#include <string>
#include <vector>

namespace autoscale::seeds {

inline constexpr std::uint64_t kTuning = 0;
inline constexpr std::uint64_t kValidation = 900'000;
inline constexpr std::uint64_t kEvaluation = 5'000'000;
inline constexpr std::uint64_t kHoldout = 6'000'000;
// How many seeds each reserved range holds; a use that needs more is refused where it is made.
inline constexpr std::uint64_t kReservedSpan = 1'000'000;
inline constexpr std::uint64_t kTrainingStride = std::uint64_t{1} << 33;
inline constexpr std::uint64_t kMaxTrainingSeed = (std::uint64_t{1} << 30) - 1;

// Seeds first .. first + count - 1, with the name of their use.
struct SeedRange {
  std::string name;
  std::uint64_t first = 0;
  std::uint64_t count = 0;
  bool meets(const SeedRange& o) const {
    return count > 0 && o.count > 0 && first < o.first + o.count && o.first < first + count;
  }
  std::string describe() const;  // "validation seeds 900000..900031"
};

// The first episode seed of a training run with `seed` (env i's k-th episode: base + i + k * envs).
std::uint64_t training_seed_base(std::uint64_t seed);

// The ranges training must never meet: validation as configured, evaluation and holdout.
std::vector<SeedRange> reserved_ranges(std::uint64_t validation_first, std::uint64_t validation_count);

// Throws Error naming both ranges when the `episodes` seeds a training run with `seed` may draw meet
// a reserved range, or when `seed` is beyond kMaxTrainingSeed.
void check_training_seeds(std::uint64_t seed, std::uint64_t episodes, std::uint64_t validation_first,
                          std::uint64_t validation_count);

}  // namespace autoscale::seeds
