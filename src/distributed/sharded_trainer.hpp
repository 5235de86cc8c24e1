#pragma once
// Data-parallel PPO: `autoscale train --shards K`, and `mpirun -np R autoscale train ...`.
//
// The run's num_envs environments are split into K shards of num_envs / K consecutive
// environments; rank r of R steps shards [r K/R, (r+1) K/R). Everything random is keyed by shard
// (episode seeds, action sampling, minibatch permutations) and never by rank, and every sum across
// shards is exact (fixed_point.hpp) or taken in shard order, so the same seed gives byte-identical
// models for every R that divides K, and for every thread count.
//
// Per update:
//  - each shard collects its rollout with the observation statistics of the previous update;
//  - the shards' observation and return statistics are gathered and merged in shard order on every
//    rank (Chan's parallel update), the rewards scaled by the merged return sd, GAE taken per shard;
//  - per epoch each shard shuffles its samples; minibatch j is slice j of every shard's
//    permutation; its advantage mean and sd come from the gathered per-shard sums;
//  - per minibatch each shard's gradient partial is summed across ranks in 64-bit fixed point
//    (MPI_MAX for the scale, MPI_SUM of int64), so every rank takes the same optimizer step;
//  - rank 0 alone validates, writes progress.csv, best, checkpoints (gathering the shards' states)
//    and the model.
// This is not the single-process trainer's algorithm step for step (that one updates the
// normalizers every step and draws minibatches from the whole batch), so its models differ from
// `train` without --shards; rl::train is untouched.
#include <functional>

#include "distributed/communicator.hpp"
#include "rl/ppo.hpp"

namespace autoscale::distributed {

struct ShardedTrainOptions {
  rl::TrainOptions train;  // train.threads: threads per rank; train.stop_after_steps works as in rl::train
  int shards = 0;          // 0: default_shards(train.config)
};

// One environment per shard: any R dividing num_envs can run the job.
int default_shards(const rl::PpoConfig& c);

// Throws ConsistentError (before any communication) on options that cannot run with comm.size()
// ranks, naming what to change; any later error on a rank of a job of several ranks is reported
// by that rank and aborts the job (MPI_Abort), as a lost rank does.
rl::TrainResult train_sharded(const ShardedTrainOptions& options, Communicator& comm,
                              const std::function<void(const rl::ProgressRow&)>& on_progress = {});

}  // namespace autoscale::distributed
