#include <gtest/gtest.h>

#include "ci_env.hpp"
#include <unistd.h>

#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "distributed/communicator.hpp"
#include "distributed/sharded_checkpoint.hpp"
#include "distributed/sharded_trainer.hpp"
#include "rl/agent.hpp"
#include "scenario/scenario.hpp"
#include "temp_files.hpp"

namespace autoscale::distributed {
namespace {

using autoscale::testing::temp_dir;
const auto& read = autoscale::testing::read_file_text;

ShardedTrainOptions tiny_run(const std::filesystem::path& out, int shards = 4, int threads = 1) {
  ShardedTrainOptions s;
  rl::TrainOptions& o = s.train;
  o.scenarios = {{resolve_scenario("seed"), 1.0}};
  o.scenarios[0].scenario.set_episode_minutes(300);
  o.seed = 5;
  o.total_steps = 8 * 4 * 64;
  o.out_dir = out;
  o.config.num_envs = 4;
  o.config.rollout_steps = 64;
  o.config.minibatches = 2;
  o.config.epochs = 2;
  o.config.hidden = {16, 16};
  o.config.validation_episodes = 2;
  o.config.validation_every_steps = 4 * 64 * 4;
  o.config.checkpoint_every_steps = 4 * 64 * 2;
  o.threads = threads;
  s.shards = shards;
  return s;
}

// A communicator that claims `ranks` ranks but must never be asked to communicate: the option
// checks happen before any collective.
class NoTalkCommunicator final : public Communicator {
 public:
  explicit NoTalkCommunicator(int ranks) : ranks_(ranks) {}
  int rank() const override { return 0; }
  int size() const override { return ranks_; }
  int local_size() const override { return ranks_; }
  std::string name() const override { return "no-talk"; }
  void broadcast(std::string&, int) override { fail(); }
  void allreduce_sum(std::span<std::int64_t>) override { fail(); }
  void allreduce_max(std::span<double>) override { fail(); }
  void allgather(std::span<const double>, std::span<double>) override { fail(); }
  std::vector<std::string> gather(const std::string&, int) override { fail(); }
  void barrier() override { fail(); }
  [[noreturn]] void abort(int) override { fail(); }

 private:
  [[noreturn]] static void fail() { throw std::logic_error("communicated before the option checks"); }
  int ranks_;
};

TEST(ShardedTraining, ModelDoesNotDependOnThreadsAndDiffersByShardLayoutOnlyAsDocumented) {
  SerialCommunicator one;
  const auto a = temp_dir("sharded_a"), b = temp_dir("sharded_b"), c = temp_dir("sharded_c");
  train_sharded(tiny_run(a, 4, 1), one);
  train_sharded(tiny_run(b, 4, 3), one);
  EXPECT_EQ(read(a / "model"), read(b / "model"));
  const rl::Agent agent = rl::load_model(a / "model");
  EXPECT_EQ(agent.info.at("shards"), 4);
  EXPECT_EQ(agent.info.at("steps"), 8 * 4 * 64);
  // Another shard count is another run (other minibatches, other streams): a different model.
  train_sharded(tiny_run(c, 2, 2), one);
  EXPECT_NE(read(a / "model"), read(c / "model"));
  // progress.csv: a header and a row per update.
  std::ifstream in(a / "progress.csv");
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_EQ(lines, 9);
}

TEST(ShardedTraining, ResumedRunContinuesExactly) {
  SerialCommunicator one;
  const auto straight = temp_dir("sharded_straight"), broken = temp_dir("sharded_broken");
  train_sharded(tiny_run(straight), one);
  ShardedTrainOptions o = tiny_run(broken);
  o.train.stop_after_steps = 4 * 64 * 5;  // "killed" after update 5; the last checkpoint is at 4
  train_sharded(o, one);
  EXPECT_FALSE(std::filesystem::exists(broken / "model"));
  o.train.stop_after_steps = 0;
  o.train.resume = true;
  o.train.threads = 2;  // threads are not part of the run's identity
  train_sharded(o, one);
  EXPECT_EQ(read(straight / "model"), read(broken / "model"));
  // Another shard count or seed is another run: refused.
  ShardedTrainOptions other = o;
  other.shards = 2;
  EXPECT_THROW(train_sharded(other, one), ConsistentError);
  other = o;
  other.train.seed = 6;
  EXPECT_THROW(train_sharded(other, one), ConsistentError);
}

TEST(ShardedTraining, CheckpointIsValidatedWhenRead) {
  SerialCommunicator one;
  const auto dir = temp_dir("sharded_ckpt");
  train_sharded(tiny_run(dir), one);
  const std::string text = read(dir / "checkpoint.json");
  const ShardedCheckpoint c = sharded_checkpoint_from_string(text, "ckpt");
  EXPECT_EQ(c.shards, 4);
  ASSERT_EQ(c.shard_states.size(), 4u);
  EXPECT_EQ(shard_state_from_json(c.shard_states[2]).index, 2);
  EXPECT_EQ(shard_state_from_json(c.shard_states[2]).env_rngs.size(), 1u);
  std::string corrupt = text;
  corrupt[corrupt.size() / 2] ^= 1;
  try {
    sharded_checkpoint_from_string(corrupt, "ckpt");
    FAIL() << "a corrupt checkpoint was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ckpt"), std::string::npos) << e.what();
  }
  ShardedTrainOptions resume = tiny_run(temp_dir("sharded_nockpt"));
  resume.train.resume = true;
  EXPECT_THROW(train_sharded(resume, one), ConsistentError);
}

TEST(ShardedTraining, LayoutsThatCannotSplitEvenlyAreRefusedBeforeAnyCommunication) {
  const auto dir = temp_dir("sharded_bad");
  const auto message = [&](ShardedTrainOptions o, int ranks) {
    NoTalkCommunicator comm(ranks);
    try {
      train_sharded(o, comm);
    } catch (const ConsistentError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(tiny_run(dir, 4), 3).find("3 ranks cannot split 4 shards evenly"), std::string::npos);
  EXPECT_NE(message(tiny_run(dir, 3), 1).find("--shards 3 must divide the config's num_envs = 4"), std::string::npos);
  ShardedTrainOptions odd = tiny_run(dir, 4);
  odd.train.config.rollout_steps = 63;  // 63 samples per shard, 2 minibatches
  EXPECT_NE(message(odd, 1).find("minibatches = 2 must divide each shard's rollout"), std::string::npos);
}

TEST(Communicator, LaunchersAreRecognizedByTheirVariables) {
  if (launched_by_mpi()) AUTOSCALE_SKIP_UNLESS_CI("the test itself runs under an MPI launcher");
  if (std::getenv("SLURM_NTASKS") || std::getenv("SLURM_STEP_NUM_TASKS")) AUTOSCALE_SKIP_UNLESS_CI("the test runs in a Slurm step");
  const auto with = [](const char* name, const char* value, auto&& check) {
    ::setenv(name, value, 1);
    check();
    ::unsetenv(name);
  };
  EXPECT_EQ(launcher_world_size(), 0);
  with("OMPI_COMM_WORLD_SIZE", "4", [] {
    EXPECT_TRUE(launched_by_mpi());
    EXPECT_EQ(launcher_world_size(), 4);
  });
  with("PMI_SIZE", "3", [] { EXPECT_EQ(launcher_world_size(), 3); });
  with("PMIX_RANK", "0", [&] {
    EXPECT_TRUE(launched_by_mpi());
    EXPECT_EQ(launcher_world_size(), 0);  // PMIx alone does not say
    with("SLURM_STEP_NUM_TASKS", "8", [] { EXPECT_EQ(launcher_world_size(), 8); });
  });
  EXPECT_FALSE(launched_by_mpi());
}

TEST(Communicator, SerialWhenNoLauncherStartedTheProcess) {
  if (launched_by_mpi()) AUTOSCALE_SKIP_UNLESS_CI("the test itself runs under an MPI launcher");
  const auto comm = make_communicator();
  EXPECT_EQ(comm->size(), 1);
  EXPECT_EQ(comm->rank(), 0);
  EXPECT_EQ(comm->name(), "serial");
}

}  // namespace
}  // namespace autoscale::distributed
