// The seed ranges' one home (core/seed_ranges.hpp): no training seed can draw the episodes that
// validation, `run`'s evaluation or its holdout are judged on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/seed_ranges.hpp"
#include "rl/ppo.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// The README's acceptance run: 16M steps of 10,001-minute `seed` episodes on 64 environments.
constexpr std::uint64_t kLongRunEpisodes = 16'000'000 / 10'001 + 64 * 2;

TEST(SeedRanges, NoTrainingSeedMeetsAReservedRange) {
  // The old rule (seed * 1,000,003 + 17) put `train --seed 5` on evaluation seeds 5,000,032.. and
  // --seed 6 on the holdout's; every seed is checked here up to well past those.
  const auto reserved = seeds::reserved_ranges(seeds::kValidation, 32);
  for (std::uint64_t seed = 0; seed <= 2000; ++seed) {
    const seeds::SeedRange training{"training", seeds::training_seed_base(seed), kLongRunEpisodes};
    for (const auto& r : reserved) EXPECT_FALSE(training.meets(r)) << "seed " << seed << " meets " << r.describe();
    EXPECT_NO_THROW(seeds::check_training_seeds(seed, kLongRunEpisodes, seeds::kValidation, 32));
  }
  EXPECT_NO_THROW(seeds::check_training_seeds(seeds::kMaxTrainingSeed, kLongRunEpisodes, seeds::kValidation, 32));
}

TEST(SeedRanges, TrainingSeedsOfDifferentRunsNeverMeet) {
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    const seeds::SeedRange a{"a", seeds::training_seed_base(seed), seeds::kTrainingStride - 1};
    const seeds::SeedRange b{"b", seeds::training_seed_base(seed + 1), seeds::kTrainingStride - 1};
    EXPECT_FALSE(a.meets(b)) << seed;
  }
}

TEST(SeedRanges, SeedZeroKeepsItsEpisodes) {
  // Every figure measured with --seed 0 (the main job, the README's tables) stays true.
  EXPECT_EQ(seeds::training_seed_base(0), 17u);
}

TEST(SeedRanges, MeetsIsAnOverlapOfHalfOpenRanges) {
  const seeds::SeedRange r{"r", 10, 5};  // 10..14
  EXPECT_TRUE(r.meets({"x", 14, 1}));
  EXPECT_TRUE(r.meets({"x", 0, 11}));
  EXPECT_FALSE(r.meets({"x", 15, 100}));
  EXPECT_FALSE(r.meets({"x", 0, 10}));
  EXPECT_FALSE(r.meets({"x", 12, 0}));
  EXPECT_EQ(r.describe(), "r seeds 10..14");
}

TEST(SeedRanges, RefusalsNameBothRanges) {
  struct Row {
    const char* what;
    std::uint64_t seed, episodes, validation_first, validation_count;
    std::vector<std::string> says;
  };
  const std::vector<Row> rows = {
      {"a run long enough to reach validation", 0, 900'000, seeds::kValidation, 32,
       {"training (--seed 0) seeds 17..900016", "validation seeds 900000..900031"}},
      {"validation moved onto the training seeds", 3, 1000, seeds::training_seed_base(3) + 500, 32,
       {"training (--seed 3)", "validation seeds"}},
      {"validation moved onto the evaluation seeds is not training's concern", 0, 1000, seeds::kEvaluation, 32, {}},
      {"a seed beyond the range", seeds::kMaxTrainingSeed + 1, 10, seeds::kValidation, 32,
       {"training seed 1073741824 is out of range", "0..1073741823"}},
      {"more episodes than a stride", 1, seeds::kTrainingStride, seeds::kValidation, 32, {"next training seed"}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    if (row.says.empty()) {
      EXPECT_NO_THROW(seeds::check_training_seeds(row.seed, row.episodes, row.validation_first, row.validation_count));
      continue;
    }
    try {
      seeds::check_training_seeds(row.seed, row.episodes, row.validation_first, row.validation_count);
      ADD_FAILURE() << "not refused";
    } catch (const Error& e) {
      for (const auto& s : row.says) EXPECT_THAT(e.what(), HasSubstr(s));
    }
  }
}

TEST(SeedRanges, TheTrainerRefusesARunThatWouldTrainOnItsValidationEpisodes) {
  rl::TrainOptions o;
  o.scenarios = {{resolve_scenario("seed"), 1.0}};
  o.scenarios[0].scenario.set_episode_minutes(600);
  o.seed = 2;
  o.total_steps = 4 * 128;
  o.out_dir = std::filesystem::temp_directory_path() / "autoscale_seed_ranges_refused";
  o.config.num_envs = 4;
  o.config.rollout_steps = 128;
  o.config.validation_episodes = 8;
  o.config.validation_seed = seeds::training_seed_base(2) + 3;
  try {
    rl::train(o);
    ADD_FAILURE() << "trained on its own validation episodes";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("training (--seed 2)"), HasSubstr("validation seeds")));
  }
}

}  // namespace
}  // namespace autoscale
