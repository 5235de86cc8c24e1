#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "eval/policy_factory.hpp"
#include "eval/run_policies.hpp"
#include "eval/stats.hpp"
#include "policies/run_episode.hpp"
#include "policies/oracle.hpp"
#include "policies/spec.hpp"
#include "scenario/scenario.hpp"
#include "scripted_load.hpp"
#include "service/outcome.hpp"

namespace autoscale {
namespace {

// Brute force over every feasible trajectory of a tiny problem.
double brute_force(const ServiceParams& p, const std::vector<double>& r, int T, int A) {
  double best = -1e300;
  std::vector<int> a(static_cast<std::size_t>(T) + 1);
  a[0] = p.initial_machines;
  std::function<void(int, double)> go = [&](int t, double acc) {
    if (t > T) {
      best = std::max(best, acc);
      return;
    }
    const int up = t > p.warmup_latency ? p.max_machine_delta : 0;
    for (int b = std::max(0, a[t - 1] - p.max_machine_delta); b <= std::min(A, a[t - 1] + up); ++b) {
      a[t] = b;
      go(t + 1, acc + r[static_cast<std::size_t>(t - 1) * (A + 1) + b]);
    }
  };
  go(1, 0);
  return best;
}

TEST(Oracle, DynamicProgramMatchesBruteForceOnTinyProblems) {
  ServiceParams p;
  p.warmup_latency = 2;
  p.max_machine_delta = 2;
  p.initial_machines = 3;
  Rng rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    const int T = 7, A = 6;
    std::vector<double> r(static_cast<std::size_t>(T) * (A + 1));
    for (auto& v : r) v = rng.uniform(-5, 5);
    const auto plan = plan_fleet(p, r, T, A);
    double value = 0;
    for (int t = 1; t <= T; ++t) {
      ASSERT_LE(std::abs(plan[t] - plan[t - 1]), p.max_machine_delta);
      if (t <= p.warmup_latency) {
        ASSERT_LE(plan[t], plan[t - 1]) << "no arrivals before the warm-up";
      }
      value += r[static_cast<std::size_t>(t - 1) * (A + 1) + plan[t]];
    }
    EXPECT_NEAR(value, brute_force(p, r, T, A), 1e-9) << "trial " << trial;
  }
}

TEST(Oracle, PlaysItsPlanExactly) {
  // With a known plan the oracle's realised profit equals the plan's value.
  Scenario s = resolve_scenario("seed");
  s.set_episode_minutes(2000);
  Env env = s.make_env();
  OraclePolicy oracle(true);
  env.reset(5);
  oracle.reset(env);
  const EpisodeFuture f = realize_future(env);
  const int A = oracle_max_active(s.service, f, true);
  const auto r = oracle_rewards(s.service, f, true, A);
  double planned = 0;
  for (std::size_t t = 1; t < oracle.plan().size(); ++t) planned += r[(t - 1) * (A + 1) + oracle.plan()[t]];
  double realised = 0;
  for (int t = 1; t <= 2000; ++t) {
    const auto res = env.step(oracle.act(env));
    ASSERT_EQ(res.info.active, oracle.plan()[t]) << "minute " << t;
    realised += res.reward;
  }
  EXPECT_NEAR(realised, planned, 1e-6);
}

TEST(Oracle, ExpectedRewardMatchesMonteCarlo) {
  ServiceParams p;
  Rng rng(3);
  for (auto [load, active] : std::vector<std::pair<std::int64_t, int>>{{3000, 10}, {3000, 11}, {5000, 18}, {5000, 20}, {0, 5}, {900, 0}}) {
    const int n = 200000;
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += minute_outcome(p, load, fleet_capacity(p, active, rng.normal()), active, 0).reward;
    EXPECT_NEAR(expected_minute_reward(p, load, active, 0), sum / n, 0.02 * 200 / std::sqrt(n) * 50 + 1e-3)
        << load << " tpm, " << active << " machines";
  }
}

// The property: on every episode, the clairvoyant oracle earns at least as much as any policy.
TEST(Oracle, BeatsEveryOtherPolicyOnEveryRandomShortEpisode) {
  Scenario s = resolve_scenario("seed");
  s.set_episode_minutes(1500);
  std::vector<std::string> others = {"noop", "static:15", "static:25", "static:35", "oracle-load"};
  for (const auto& n : known_policy_names()) {
    if (n != "oracle" && n != "noop" && n != "static" && n != "oracle-load" && n != "ppo") others.push_back(n);
  }
  Env env = s.make_env();
  for (std::uint64_t seed = 100; seed < 112; ++seed) {
    auto oracle = make_policy(parse_policy_spec("oracle"), s);
    const double best = run_episode(env, *oracle, seed).profit;
    for (const auto& o : others) {
      auto pol = make_policy(parse_policy_spec(o), s);
      EXPECT_GE(best + 1e-6, run_episode(env, *pol, seed).profit) << o << " on seed " << seed;
    }
  }
}

TEST(Oracle, OracleLoadComesCloseToTheOracleOnTheSeedScenario) {
  Scenario s = resolve_scenario("seed");
  Env env = s.make_env();
  double oracle = 0, oracle_load = 0;
  for (std::uint64_t seed = 20000; seed < 20004; ++seed) {
    OraclePolicy a(true), b(false);
    oracle += run_episode(env, a, seed).profit;
    oracle_load += run_episode(env, b, seed).profit;
  }
  // The reference implementation: oracle-load / oracle = 0.875 on average.
  EXPECT_GT(oracle_load / oracle, 0.8);
  EXPECT_LT(oracle_load / oracle, 0.95);
}

// The reference implementation's profits over 30 episodes agree with ours by the spec's rule: our
// mean within the reference mean +- 4 * sd / sqrt(30). That window is wide (+-2,400 for
// oracle-load, wide enough to hold headroom's mean too), so oracle-load is also held to the
// reference's per-episode ratio oracle-load / oracle, whose spread across episodes is 0.1 %: a
// planner off by a fraction of a percent fails it.
TEST(Oracle, ProfitsAgreeWithTheReferenceImplementation) {
  std::ifstream in(std::string(AUTOSCALE_SOURCE_DIR) + "/data/reference/seed-policy-reference.json");
  ASSERT_TRUE(in);
  const auto ref = nlohmann::json::parse(in);
  const Scenario s = resolve_scenario("seed");
  std::vector<PolicySpec> specs;
  for (const char* p : {"oracle", "oracle-load", "headroom:factor=1.5,reserve=1000"}) specs.push_back(parse_policy_spec(p));
  const int n = 30;
  const auto runs = run_policies(s, specs, 20000, n, 2);
  for (const auto& r : runs) {
    double mean = 0;
    for (const auto& e : r.episodes) mean += e.profit / n;
    const auto& rp = ref["policies"][r.spec];
    EXPECT_NEAR(mean, rp["mean"].get<double>(), 4 * rp["std"].get<double>() / std::sqrt(double(n))) << r.spec;
  }
  std::vector<double> ours, theirs;
  for (int e = 0; e < n; ++e) ours.push_back(runs[1].episodes[e].profit / runs[0].episodes[e].profit);
  for (const auto& e : ref["per_episode"]) theirs.push_back(e["oracle_load"].get<double>() / e["oracle"].get<double>());
  const MeanCi a = mean_ci(ours), b = mean_ci(theirs);
  EXPECT_NEAR(a.mean, b.mean, 4 * b.sd / std::sqrt(double(n))) << "oracle-load / oracle per episode";
}

}  // namespace
}  // namespace autoscale

namespace autoscale {
namespace {

// History minutes give policies their history and count for nothing: metrics cover the scored
// minutes only, and the oracle, planning for those alone, still beats every policy on them.
TEST(Oracle, HistoryMinutesAreNotScoredAndTheBoundHoldsOnTheRest) {
  Scenario s = resolve_scenario("seed");
  s.set_episode_minutes(1500);
  s.service.history_minutes = 600;
  Env env = s.make_env();
  for (std::uint64_t seed = 300; seed < 304; ++seed) {
    auto oracle = make_policy(parse_policy_spec("oracle"), s);
    const EpisodeMetrics best = run_episode(env, *oracle, seed);
    EXPECT_EQ(best.minutes, 900);
    for (const char* o : {"hpa", "predictive", "static:25", "oracle-load"}) {
      auto p = make_policy(parse_policy_spec(o), s);
      const EpisodeMetrics m = run_episode(env, *p, seed);
      EXPECT_EQ(m.minutes, 900) << o;
      EXPECT_GE(best.profit + 1e-6, m.profit) << o << " on seed " << seed;
    }
    // The same policy's scored profit is its whole-episode profit less the history's.
    Scenario whole = s;
    whole.service.history_minutes = 0;
    Env env_whole = whole.make_env();
    StaticPolicy a(30), b(30);
    double history = 0;
    run_episode(env_whole, a, seed, [&](const StepInfo& i) { if (i.minute <= 600) history += i.reward; });
    EXPECT_NEAR(run_episode(env, b, seed).profit, run_episode(env_whole, a, seed).profit - history, 1e-6);
  }
}

}  // namespace
}  // namespace autoscale

namespace autoscale {
namespace {

// oracle-window's table: each scored minute's reward is the mean of the expected rewards of the
// minutes in its centred window (cut at the episode's ends, history minutes included as traffic);
// a window of one minute is oracle-load's table.
TEST(OracleWindow, RewardsAreTheWindowsMeanOfExpectedRewards) {
  ServiceParams p;
  p.history_minutes = 2;
  EpisodeFuture f;
  f.load = {900, 3000, 600, 2400, 0, 1500, 4200};
  f.z.assign(f.load.size(), 0.0);
  const int A = 20;
  const auto width = static_cast<std::size_t>(A) + 1;
  const auto one = window_rewards(p, f, A, 1), exact = oracle_rewards(p, f, false, A);
  for (std::size_t i = 0; i < one.size(); ++i) EXPECT_NEAR(one[i], exact[i], 1e-9) << i;
  const auto three = window_rewards(p, f, A, 3);
  for (std::size_t t = 0; t < f.load.size(); ++t) {
    for (int a = 0; a <= A; a += 5) {
      const auto cell = three[t * width + static_cast<std::size_t>(a)];
      if (!p.scored(static_cast<std::int64_t>(t) + 1)) {
        EXPECT_EQ(cell, 0.0);
        continue;
      }
      const std::size_t from = t - 1, to = std::min(f.load.size() - 1, t + 1);
      double sum = 0;
      for (std::size_t s = from; s <= to; ++s) sum += expected_minute_reward(p, f.load[s], a, 0);
      EXPECT_NEAR(cell, sum / static_cast<double>(to - from + 1), 1e-9) << "minute " << t + 1 << ", " << a << " machines";
    }
  }
  EXPECT_THROW(window_rewards(p, f, A, 0), Error);
}

// Machines warming in minute t of a plan: those ordered in t - L + 1 .. t, which serve from
// t + 1 .. t + L (an increase of the active count at minute u was ordered at u - L).
int warming_in_plan(const std::vector<int>& plan, std::size_t t, int latency) {
  int w = 0;
  for (std::size_t u = t + 1; u <= t + static_cast<std::size_t>(latency) && u < plan.size(); ++u) {
    w += std::max(0, plan[u] - plan[u - 1]);
  }
  return w;
}

// With billed warm-up, the clairvoyant's plan pays for what it orders: the value the DP maximizes
// (its reward table, less each added machine's warm-up minutes) is exactly what the episode
// earns when the oracle plays the plan in the environment.
TEST(Oracle, PlansThePaidWarmupItIsBilledFor) {
  Scenario s = resolve_scenario(std::string(AUTOSCALE_SOURCE_DIR) + "/scenarios/nasa.toml#future");
  ASSERT_TRUE(s.service.warmup_billed);  // the default for trace scenarios
  Env env = s.make_env();
  const ServiceParams& p = s.service;
  for (std::uint64_t seed = 3; seed < 6; ++seed) {
    env.reset(seed);
    const EpisodeFuture f = realize_future(env);
    const int A = oracle_max_active(p, f, true);
    const auto plan = plan_fleet(p, oracle_rewards(p, f, true, A), env.episode_steps(), A);
    double planned = 0, ordered = 0;
    for (std::size_t t = 1; t < plan.size(); ++t) {  // minutes 1 .. episode_steps
      if (!p.scored(static_cast<std::int64_t>(t))) continue;
      planned += minute_outcome(p, f.load[t - 1], fleet_capacity(p, plan[t], f.z[t - 1]), plan[t],
                                warming_in_plan(plan, t, p.warmup_latency))
                     .reward;
      ordered += warming_in_plan(plan, t, p.warmup_latency);
    }
    EXPECT_GT(ordered, 0);
    OraclePolicy oracle(true);
    const EpisodeMetrics m = run_episode(env, oracle, seed);
    EXPECT_NEAR(m.profit, planned, 1e-6) << "seed " << seed;
    // The machine bill is the serving minutes plus the warming ones.
    EXPECT_NEAR(m.machine_cost, m.machine_minutes * p.machine_cost + ordered * p.machine_cost, 1e-6);
  }
}

// Not knowing the order of the minutes costs: in expectation over the capacity draws,
// oracle-load's plan earns at least as much as any window's plan on the real loads, and wider
// windows (knowing less) earn less on a trace with per-minute noise, each plan being the best
// for its own table.
TEST(OracleWindow, KnowingLessEarnsLessInExpectation) {
  Scenario s = resolve_scenario(std::string(AUTOSCALE_SOURCE_DIR) + "/scenarios/nasa.toml#future");
  Env env = s.make_env();
  const ServiceParams& p = s.service;
  double previous = 1e300;
  for (const int w : {1, 5, 30, 120}) {
    double total = 0;
    for (std::uint64_t seed = 7; seed < 10; ++seed) {
      env.reset(seed);
      const EpisodeFuture f = realize_future(env);
      const int A = oracle_max_active(p, f, false);
      const auto plan = plan_fleet(p, window_rewards(p, f, A, w), env.episode_steps(), A);
      for (std::size_t t = 1; t < plan.size(); ++t) {
        if (p.scored(static_cast<std::int64_t>(t))) {
          total += expected_minute_reward(p, f.load[t - 1], plan[t], warming_in_plan(plan, t, p.warmup_latency));
        }
      }
    }
    EXPECT_LT(total, previous) << "window " << w;
    previous = total;
  }
}

}  // namespace
}  // namespace autoscale
