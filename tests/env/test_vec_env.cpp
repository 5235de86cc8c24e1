#include <gtest/gtest.h>

#include "core/thread_pool.hpp"
#include "env/vec_env.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {
namespace {

struct Recorded {
  std::vector<float> obs;
  std::vector<double> rewards;
  std::vector<std::uint8_t> done;
  std::vector<EpisodeMetrics> finished;
};

Recorded run(int threads, int steps) {
  Scenario s = resolve_scenario("seed");
  s.set_episode_minutes(300);  // several auto-resets within the run
  VecEnv pool(s.make_env(), 7, 100, threads);
  pool.reset();
  Recorded out;
  std::vector<Action> actions(7);
  for (int t = 0; t < steps; ++t) {
    for (int i = 0; i < 7; ++i) actions[i] = {(t + i) % 4, (t * 3 + i) % 5};
    pool.step(actions);
    out.obs.insert(out.obs.end(), pool.observations().begin(), pool.observations().end());
    out.rewards.insert(out.rewards.end(), pool.rewards().begin(), pool.rewards().end());
    out.done.insert(out.done.end(), pool.truncated().begin(), pool.truncated().end());
    for (const auto& f : pool.take_finished()) out.finished.push_back(f);
  }
  return out;
}

TEST(VecEnv, ResultsAreIdenticalWhateverTheThreadCount) {
  const Recorded one = run(1, 1000), two = run(2, 1000), seven = run(7, 1000);
  EXPECT_EQ(one.obs, two.obs);
  EXPECT_EQ(one.rewards, two.rewards);
  EXPECT_EQ(one.obs, seven.obs);
  EXPECT_EQ(one.rewards, seven.rewards);
  EXPECT_EQ(one.done, seven.done);
  ASSERT_EQ(one.finished.size(), 7u * 3);  // 1000 steps / 300-minute episodes
  ASSERT_EQ(two.finished.size(), one.finished.size());
  for (std::size_t i = 0; i < one.finished.size(); ++i) {
    EXPECT_EQ(one.finished[i].seed, two.finished[i].seed);
    EXPECT_EQ(one.finished[i].profit, two.finished[i].profit);
  }
}

TEST(VecEnv, AutoResetUsesTheSeedScheduleAndMatchesASingleEnv) {
  Scenario s = resolve_scenario("seed");
  s.set_episode_minutes(50);
  VecEnv pool(s.make_env(), 3, 10, 2);
  pool.reset();
  std::vector<Action> noop(3);
  for (int t = 0; t < 49; ++t) pool.step(noop);
  EXPECT_TRUE(pool.take_finished().empty());
  pool.step(noop);
  auto fin = pool.take_finished();
  ASSERT_EQ(fin.size(), 3u);
  // Env i's k-th episode has seed 10 + i + 3k; after the reset env 1 runs seed 14.
  EXPECT_EQ(fin[1].seed, 11u);
  EXPECT_EQ(pool.env(1).seed(), 14u);
  EXPECT_EQ(fin[1].minutes, 50);
  // The finished episode's profit equals a single environment's on the same seed.
  Env single = s.make_env();
  single.reset(11);
  double profit = 0;
  for (int t = 0; t < 50; ++t) profit += single.step({}).reward;
  EXPECT_DOUBLE_EQ(fin[1].profit, profit);
  // The final observation is the last one of the old episode, and the row holds the new reset.
  const auto final_row = pool.final_observations().subspan(pool.obs_dim(), pool.obs_dim());
  const auto last = single.observation();
  EXPECT_TRUE(std::equal(final_row.begin(), final_row.end(), last.begin()));
  Env fresh = s.make_env();
  const auto reset_obs = fresh.reset(14);
  const auto row = pool.observations().subspan(pool.obs_dim(), pool.obs_dim());
  EXPECT_TRUE(std::equal(row.begin(), row.end(), reset_obs.begin()));
}

TEST(VecEnv, ResetsRestartAtANewBaseSeedOrContinueTheSchedule) {
  Scenario s = resolve_scenario("seed");
  s.set_episode_minutes(20);
  VecEnv pool(s.make_env(), 2, 10, 1);
  pool.reset();
  EXPECT_EQ(pool.env(0).seed(), 10u);
  EXPECT_EQ(pool.env(1).seed(), 11u);
  std::vector<Action> noop(2);
  for (int t = 0; t < 5; ++t) pool.step(noop);
  pool.reset_to_next_episodes();  // abandons the running episodes: not reported as finished
  EXPECT_EQ(pool.env(0).seed(), 12u);
  EXPECT_EQ(pool.env(1).seed(), 13u);
  EXPECT_EQ(pool.infos()[0].minute, 0);
  EXPECT_TRUE(pool.take_finished().empty());
  pool.reset(40);
  EXPECT_EQ(pool.base_seed(), 40u);
  EXPECT_EQ(pool.env(1).seed(), 41u);
  for (int t = 0; t < 20; ++t) pool.step(noop);
  const auto fin = pool.take_finished();
  ASSERT_EQ(fin.size(), 2u);
  EXPECT_EQ(fin[1].seed, 41u);
  EXPECT_EQ(pool.env(1).seed(), 43u);
  Env fresh = s.make_env();
  const auto obs = fresh.reset(43);
  const auto row = pool.observations().subspan(pool.obs_dim(), pool.obs_dim());
  EXPECT_TRUE(std::equal(row.begin(), row.end(), obs.begin()));
}

TEST(ThreadPool, CoversEveryIndexOnceAndPropagatesErrors) {
  ThreadPool pool(3);
  for (int n : {1, 2, 3, 10, 1001}) {
    std::vector<int> hits(static_cast<std::size_t>(n), 0);
    pool.parallel_for(n, [&](std::int64_t b, std::int64_t e) {
      for (auto i = b; i < e; ++i) hits[static_cast<std::size_t>(i)] += 1;
    });
    for (int h : hits) ASSERT_EQ(h, 1);
  }
  EXPECT_THROW(pool.parallel_for(10, [](std::int64_t b, std::int64_t) {
                 if (b > 0) throw std::runtime_error("boom");
               }),
               std::runtime_error);
  int count = 0;
  pool.parallel_for(1, [&](std::int64_t, std::int64_t) { ++count; });
  EXPECT_EQ(count, 1);
}

}  // namespace
}  // namespace autoscale
