#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "eval/policy_factory.hpp"
#include "policies/run_episode.hpp"
#include "rl/learned_policy.hpp"
#include "rl/agent.hpp"
#include "rl/ppo.hpp"
#include "rl/validation.hpp"
#include "scenario/scenario.hpp"
#include "temp_files.hpp"

namespace autoscale {
namespace {

using autoscale::testing::temp_dir;
const auto& read = autoscale::testing::read_file_text;

rl::Agent small_agent(const Scenario& s) {
  const auto a = rl::ActionSpace::target_default();
  const Features f(s.service, FeatureSet::kExtended);
  return rl::Agent(FeatureSet::kExtended, a, f.dim(), a.head_sizes(s.service), {16, 16}, true, 3);
}

TEST(Model, RoundTripsExactly) {
  const Scenario s = resolve_scenario("seed");
  rl::Agent a = small_agent(s);
  a.obs_stats.update(Eigen::MatrixXf::Random(a.obs_dim, 50));
  const auto path = temp_dir("model") / "m";
  rl::save_model(a, path);
  const rl::Agent b = rl::load_model(path);
  EXPECT_EQ(a.actor.params(), b.actor.params());
  EXPECT_EQ(a.critic.params(), b.critic.params());
  EXPECT_EQ(a.obs_stats.mean(), b.obs_stats.mean());
  EXPECT_EQ(a.obs_stats.var(), b.obs_stats.var());
  EXPECT_EQ(rl::model_to_string(a), rl::model_to_string(b));
}

TEST(Model, CorruptTruncatedOrForeignFilesFailClearly) {
  const Scenario s = resolve_scenario("seed");
  const std::string good = rl::model_to_string(small_agent(s));
  const auto error_of = [](const std::string& text) -> std::string {
    try {
      rl::model_from_string(text, "m.json");
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of(good.substr(0, good.size() / 2)).find("m.json: not a valid autoscale model: corrupt or truncated"),
            std::string::npos);
  std::string flipped = good;
  const auto pos = flipped.find("\"actor\":[") + 12;
  flipped[pos] = flipped[pos] == '1' ? '2' : '1';
  EXPECT_NE(error_of(flipped).find("checksum mismatch"), std::string::npos);
  std::string v2 = good;
  v2.replace(v2.find("\"version\":2"), 11, "\"version\":9");
  EXPECT_NE(error_of(v2).find("version 9 is not supported"), std::string::npos);
  EXPECT_NE(error_of("{\"format\":\"something-else\"}").find("autoscale-model"), std::string::npos);
  // A model whose features predate this build's is refused (re-signed so only the version differs).
  auto j = nlohmann::json::parse(good);
  j["payload"]["features_version"] = 1;
  j["checksum"] = "fnv1a64:" + rl::fnv1a64_hex(j["payload"].dump());
  EXPECT_NE(error_of(j.dump()).find("features are version 1"), std::string::npos);
  // A model for another service shape is refused when used, naming the mismatch.
  Scenario other = s;
  other.service.warmup_latency = 3;
  EXPECT_THROW(rl::LearnedPolicy(std::make_shared<const rl::Agent>(small_agent(s)), other.service), Error);
}

TEST(Features, APolicyRebuildsTheEnvironmentsObservationFromWhatItSees) {
  const Scenario s = resolve_scenario("seed");
  for (FeatureSet set : {FeatureSet::kNotebook, FeatureSet::kExtended}) {
    Env env(s.service, s.make_load(), set);
    Features mine(s.service, set);
    env.reset(4);
    mine.reset();
    mine.update(env.info(), env.fleet());
    for (int m = 0; m < 3000; ++m) {
      ASSERT_TRUE(std::equal(mine.values().begin(), mine.values().end(), env.observation().begin())) << "minute " << m;
      env.step({m % 7 == 0 ? 3 : 0, m % 11 == 0 ? 2 : 0});
      mine.update(env.info(), env.fleet());
    }
  }
}

rl::TrainOptions tiny_run(const std::filesystem::path& out) {
  rl::TrainOptions o;
  o.scenarios = {{resolve_scenario("seed"), 1.0}};
  o.scenarios[0].scenario.set_episode_minutes(600);
  o.seed = 5;
  o.total_steps = 8 * 4 * 128;
  o.out_dir = out;
  o.config.num_envs = 4;
  o.config.rollout_steps = 128;
  o.config.minibatches = 4;
  o.config.epochs = 2;
  o.config.hidden = {16, 16};
  o.config.validation_episodes = 2;
  o.config.validation_every_steps = 4 * 128 * 4;
  o.config.checkpoint_every_steps = 4 * 128 * 4;  // each write is fsynced: keep them few
  o.threads = 2;
  return o;
}

TEST(Ppo, SameSeedAndThreadsGiveTheSameModel) {
  const auto a = temp_dir("ppo_a"), b = temp_dir("ppo_b");
  rl::train(tiny_run(a));
  rl::train(tiny_run(b));
  EXPECT_EQ(read(a / "model"), read(b / "model"));
  EXPECT_TRUE(std::filesystem::exists(a / "best"));
  EXPECT_TRUE(std::filesystem::exists(a / "config.toml"));
  // progress.csv: a header and one row per iteration, with throughput and losses.
  std::ifstream in(a / "progress.csv");
  std::string header, line;
  std::getline(in, header);
  EXPECT_EQ(header + "\n", rl::kProgressHeader);
  int rows = 0;
  while (std::getline(in, line)) ++rows;
  EXPECT_EQ(rows, 8);
}

TEST(Ppo, ResumedRunContinuesExactlyAsIfUninterrupted) {
  const auto straight = temp_dir("ppo_straight"), broken = temp_dir("ppo_broken");
  rl::train(tiny_run(straight));
  rl::TrainOptions o = tiny_run(broken);
  o.stop_after_steps = 4 * 128 * 5;  // "killed" after iteration 5; the last checkpoint is at 4
  rl::train(o);
  EXPECT_FALSE(std::filesystem::exists(broken / "model"));
  o.stop_after_steps = 0;
  o.resume = true;
  rl::train(o);
  EXPECT_EQ(read(straight / "model"), read(broken / "model"));
  // The progress rows agree except for the wall-clock columns (2 and 3).
  const auto without_clock = [](const std::string& csv) {
    std::stringstream in(csv), out;
    for (std::string line; std::getline(in, line);) {
      const auto a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
      out << line.substr(0, a) << line.substr(c) << "\n";
    }
    return out.str();
  };
  EXPECT_EQ(without_clock(read(straight / "progress.csv")), without_clock(read(broken / "progress.csv")));
  // Resuming with a different --steps would change the schedule: refused.
  rl::TrainOptions longer = o;
  longer.total_steps *= 2;
  EXPECT_THROW(rl::train(longer), Error);
  // A checkpoint from another seed is refused.
  rl::TrainOptions other = tiny_run(broken);
  other.seed = 6;
  other.resume = true;
  EXPECT_THROW(rl::train(other), Error);
}

TEST(Ppo, LearnsToEarnMoreThanItsInitialPolicy) {
  rl::TrainOptions o = tiny_run(temp_dir("ppo_learn"));
  o.scenarios = {{resolve_scenario("seed"), 1.0}};
  o.scenarios[0].scenario.set_episode_minutes(1440);
  o.config = rl::PpoConfig{};
  o.config.num_envs = 8;
  o.config.validation_episodes = 0;
  // Learning alone: the guardrail would make even the untrained network earn well.
  o.config.guardrail.floor = o.config.guardrail.fallback = false;
  o.total_steps = 250'000;
  const Scenario eval = o.scenarios[0].scenario;
  const Features f(eval.service, FeatureSet::kExtended);
  rl::Agent initial(FeatureSet::kExtended, o.config.action, f.dim(), o.config.action.head_sizes(eval.service),
                    o.config.hidden, true, stream_seed(o.seed, Stream::kInitialization));
  initial.guardrail = o.config.guardrail;
  const double before = rl::validate(initial, eval, 777, 8, 2);
  rl::train(o);
  const double after = rl::validate(rl::load_model(o.out_dir / "model"), eval, 777, 8, 2);
  EXPECT_GT(after, before + 500) << "before " << before << ", after " << after;
}

}  // namespace
}  // namespace autoscale
