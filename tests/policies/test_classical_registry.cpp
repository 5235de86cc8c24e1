#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "policies/classical.hpp"
#include "policy_test_util.hpp"

namespace autoscale {
namespace {

using namespace autoscale::testing;

// ---------------------------------------------------------------- registry and parameters

TEST(ClassicalRegistry, NamesAndUnknownPolicies) {
  const auto names = classical_policy_names();
  EXPECT_EQ(names,
            (std::vector<std::string>{"hpa", "target-tracking", "step", "simple", "predictive", "headroom"}));
  for (const auto& n : names) EXPECT_NE(make(n), nullptr) << n;
  EXPECT_EQ(make_classical_policy(parse_policy_spec("noop"), seed_scenario().service), nullptr);
  EXPECT_EQ(find_classical_policy("noop"), nullptr);
}

TEST(ClassicalRegistry, ParameterErrorsAreClear) {
  EXPECT_NE(error_of("hpa:tagret=0.5").find("unknown parameter 'tagret' for hpa (known: target"),
            std::string::npos)
      << error_of("hpa:tagret=0.5");
  EXPECT_NE(error_of("hpa:target=1e9").find("target must be a number in [0.01, 10]"), std::string::npos);
  EXPECT_NE(error_of("hpa:sync=7").find("sync must divide 60"), std::string::npos);
  EXPECT_NE(error_of("hpa:min=9,max=4").find("min (9) exceeds max (4)"), std::string::npos);
  EXPECT_NE(error_of("target-tracking:out_points=0").find("out_points must be an integer in [1, 60]"),
            std::string::npos);
  EXPECT_NE(error_of("headroom:factor=x").find("factor must be a number"), std::string::npos);
  EXPECT_NE(error_of("headroom:7").find("expected key=value parameters"), std::string::npos);
  EXPECT_NE(error_of("step:out=0>1|0.1").find("rows are lower>adjustment"), std::string::npos);
  EXPECT_NE(error_of("step:out=0.1>1").find("must start at 0 and ascend"), std::string::npos);
  EXPECT_NE(error_of("step:out=0>2|0>3").find("must start at 0 and ascend"), std::string::npos);
  EXPECT_NE(error_of("step:out=0>1.5").find("machine count (e.g. 3) or a percentage"), std::string::npos);
  EXPECT_NE(error_of("simple:high=0.4,low=0.5").find("low (0.5) must be below high (0.4)"),
            std::string::npos);
  EXPECT_NE(error_of("predictive:safety=-1").find("safety must be a number"), std::string::npos);
  EXPECT_NE(error_of("predictive:bogus=1").find("unknown parameter 'bogus' for predictive"),
            std::string::npos);
}

TEST(ClassicalRegistry, TunableRangesAreValidSpecs) {
  const double reference = seed_scenario().reference_load();
  for (const auto& name : classical_policy_names()) {
    auto params = find_classical_policy(name)->tunables;
    for (auto& t : params) {
      if (t.per_load) t.lo *= reference, t.hi *= reference;
    }
    EXPECT_GE(params.size(), 2u) << name;
    EXPECT_LE(params.size(), 4u) << name;
    for (const bool high : {false, true}) {
      std::string spec = name + ":";
      for (const auto& t : params) {
        EXPECT_LT(t.lo, t.hi) << name << " " << t.key;
        const double v = high ? t.hi : t.lo;
        spec += (spec.back() == ':' ? "" : ",") + t.key + "=" +
                (t.integer ? std::to_string(static_cast<long long>(v)) : fmt::format("{}", v));
      }
      EXPECT_NO_THROW(make(spec)) << spec;
    }
  }
}

// Every policy's defaults must run the seed's service well: far above doing nothing (noop keeps
// the 50 initial machines and earns about 55 % of oracle-load) and within reach of the
// load-clairvoyant bound. A policy that never scales, thrashes or collapses the fleet fails.
TEST(ClassicalRegistry, DefaultsEarnMostOfOracleLoadOnTheSeedScenarioAndAreDeterministic) {
  const Scenario& s = seed_scenario();
  Env env = s.make_env();
  NoopPolicy noop;
  const double noop_profit = run_episode(env, noop, 20000).profit;
  auto oracle = make_policy(parse_policy_spec("oracle-load"), s);
  const double bound = run_episode(env, *oracle, 20000).profit;
  for (const auto& name : classical_policy_names()) {
    auto a = make(name), b = make(name);
    const EpisodeMetrics ma = run_episode(env, *a, 20000);
    const EpisodeMetrics mb = run_episode(env, *b, 20000);
    EXPECT_GT(ma.profit, noop_profit + 5000) << name;
    EXPECT_GT(ma.profit, 0.85 * bound) << name << " earns " << ma.profit << " of oracle-load's " << bound;
    EXPECT_EQ(ma.profit, mb.profit) << name;
    // A policy object is reusable across episodes: reset() restores its initial state.
    EXPECT_EQ(run_episode(env, *a, 20000).profit, ma.profit) << name;
  }
}

}  // namespace
}  // namespace autoscale
