// One name table per enum (core/name_table.hpp): every name parses back to its value, every value
// prints as its name, and an unknown name is refused listing all of them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/name_table.hpp"
#include "env/features.hpp"
#include "pipeline/trace_job.hpp"
#include "rl/action_space.hpp"
#include "rl/ppo_config.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {
namespace {

using ::testing::HasSubstr;

template <class Table>
void check_round_trip(const Table& table, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_FALSE(table.names().empty());
  for (const auto& [value, name] : table.entries) {
    EXPECT_EQ(table.parse(name), value) << name;
    EXPECT_EQ(table.name(value), name);
  }
  try {
    table.parse("no-such-name");
    ADD_FAILURE() << "accepted an unknown name";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown " + what + " 'no-such-name'"));
    for (const auto& n : table.names()) EXPECT_THAT(e.what(), HasSubstr(n));
  }
}

TEST(NameTables, EveryNameRoundTripsAndErrorsListThemAll) {
  check_round_trip(kFeatureSetNames, "feature set");
  check_round_trip(kLoadKindNames, "load kind");
  check_round_trip(rl::kAlgorithmNames, "algorithm");
  check_round_trip(rl::kOptimizerNames, "optimizer");
  check_round_trip(rl::kTrainingRewardNames, "training reward");
  check_round_trip(pipeline::kBaseSelectionNames, "base selection");
}

TEST(NameTables, EveryActionSpaceNamesItself) {
  const auto names = rl::action_space_names();
  EXPECT_EQ(names, (std::vector<std::string>{"seed", "target", "relative", "relative-volatility", "residual"}));
  for (const auto& n : names) EXPECT_EQ(rl::action_space_named(n).name(), n);
  try {
    rl::action_space_named("nope");
    ADD_FAILURE();
  } catch (const Error& e) {
    // The old message listed three of the five.
    for (const auto& n : names) EXPECT_THAT(e.what(), HasSubstr(n));
  }
}

TEST(NameTables, ConfigKeysTakeEveryNameOfTheirTable) {
  // A config's choice is checked against the same table: each name is accepted, others listed.
  for (const auto& n : kFeatureSetNames.names()) {
    EXPECT_EQ(to_string(rl::parse_ppo_config("[ppo]\nfeatures = \"" + n + "\"\n", "t.toml").features), n);
  }
  for (const auto& n : rl::action_space_names()) {
    EXPECT_EQ(rl::parse_ppo_config("[ppo]\naction = \"" + n + "\"\n", "t.toml").action.name(), n);
  }
  try {
    rl::parse_ppo_config("[ppo]\nreward = \"both\"\n", "t.toml");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("t.toml"));
    EXPECT_THAT(e.what(), HasSubstr("[ppo].reward 'both' is unknown (known: expected, realized)"));
  }
  EXPECT_EQ(builtin_scenario_names(), (std::vector<std::string>{"seed", "seed-weekly", "seed-events"}));
}

}  // namespace
}  // namespace autoscale
