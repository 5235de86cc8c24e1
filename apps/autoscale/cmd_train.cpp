#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "commands.hpp"
#include "validators.hpp"
#include "core/thread_pool.hpp"
#include "distributed/sharded_trainer.hpp"
#include "rl/ppo.hpp"

namespace autoscale::cli {
namespace {

struct TrainArgs {
  std::vector<std::string> scenarios{"seed"};
  std::uint64_t seed = 0;
  std::int64_t steps = 16'000'000;
  std::string out = "runs/ppo";
  std::string config;
  std::string preset;  // empty: `trace` when the mix holds a trace scenario, else `default`
  bool resume = false;
  int threads = 0;
  int shards = 0;  // 0: not sharded, unless under mpirun (then the default shard count)
};

std::string short_count(double v) {
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.0f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

void train(const TrainArgs& a) {
  rl::TrainOptions o;
  std::string names;
  for (const auto& s : a.scenarios) {
    o.scenarios.push_back(resolve_weighted_scenario(s));
    names += (names.empty() ? "" : ", ") + o.scenarios.back().scenario.name;
  }
  o.seed = a.seed;
  o.total_steps = a.steps;
  o.out_dir = a.out;
  // A trace trains with the `trace` preset unless told otherwise: the `default` preset (the seed's
  // observation, absolute actions) collapses the fleet on real traffic.
  bool any_trace = false;
  for (const auto& s : o.scenarios) any_trace = any_trace || s.scenario.load.kind == LoadKind::kTrace;
  const std::string preset = !a.preset.empty() ? a.preset : any_trace ? "trace" : "default";
  o.config = a.config.empty() ? rl::preset_config(preset) : rl::load_ppo_config(a.config);
  o.resume = a.resume;
  o.threads = a.threads > 0 ? a.threads : default_threads();
  // Data-parallel (src/distributed/): asked for with --shards, or started by an MPI launcher as
  // several ranks (one rank without --shards is the plain trainer, as under `srun` on a cluster
  // whose every job step gets PMIx).
  std::unique_ptr<distributed::Communicator> comm;
  distributed::ShardedTrainOptions sharded{o, a.shards};
  if (a.shards > 0 || distributed::launched_by_mpi()) {
    comm = distributed::make_communicator();
    if (a.shards == 0 && comm->size() == 1) comm.reset();
  }
  if (comm) {
    if (a.threads == 0) o.threads = sharded.train.threads = std::max(1, default_threads() / comm->local_size());
    if (sharded.shards == 0) sharded.shards = distributed::default_shards(o.config);
  }
  const bool root = !comm || comm->rank() == 0;
  const bool tty = isatty(fileno(stderr));
  if (root) {
    fmt::print(stderr, "training {} ({} preset) on {} for {} steps with {} threads{} -> {}/\n", rl::to_string(o.config.algorithm),
               o.config.preset, names, short_count(static_cast<double>(a.steps)), o.threads,
               comm ? fmt::format(" per rank, {} shards on {} rank{} ({})", sharded.shards, comm->size(),
                                  comm->size() == 1 ? "" : "s", comm->name())
                    : std::string(),
               a.out);
  }
  std::optional<double> last_val;
  const auto show = [&](const rl::ProgressRow& r) {
    if (r.validation_profit) last_val = r.validation_profit;
    const double frac = static_cast<double>(r.steps) / static_cast<double>(a.steps);
    const std::string val = last_val ? fmt::format("{:.0f}", *last_val) : std::string("-");
    if (tty) {
      const int width = 30, done = static_cast<int>(std::min(1.0, frac) * width);
      fmt::print(stderr, "\r[{}{}] {:>6}/{} steps  {:>5} steps/s  validation profit {}   ", std::string(done, '#'),
                 std::string(width - done, '.'), short_count(static_cast<double>(r.steps)), short_count(static_cast<double>(a.steps)),
                 short_count(r.steps_per_second), val);
    } else if (r.validation_profit) {
      fmt::print(stderr, "steps {} ({:.0f}%), {:.0f} steps/s, validation profit {:.0f}\n", r.steps, 100 * frac,
                 r.steps_per_second, *r.validation_profit);
    }
  };
  rl::TrainResult result;
  if (!comm) {
    result = rl::train(o, show);
  } else {
    try {
      result = distributed::train_sharded(sharded, *comm, show);
    } catch (const distributed::ConsistentError& e) {
      // Every rank met it: rank 0 reports it, the others end quietly, all with status 1. The
      // others wait until rank 0 has written it: a rank exiting first makes mpirun kill the job,
      // rank 0 included, before the message is out.
      if (root) {
        fmt::print(stderr, "autoscale: error: {}\n", e.what());
        std::fflush(stderr);
      }
      comm->barrier();
      comm.reset();
      std::exit(1);
    }
    if (!root) return;
  }
  if (tty) fmt::print(stderr, "\n");
  fmt::print("trained {} steps in {:.1f} s ({:.0f} steps/s); best validation profit {}; model: {}/model, best: {}/best\n",
             result.steps, result.seconds, result.steps_per_second,
             result.best_validation_profit ? fmt::format("{:.1f}", *result.best_validation_profit) : std::string("-"), a.out,
             a.out);
}

}  // namespace

void add_train(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* c = app.add_subcommand("train", "Train a PPO (or A2C) autoscaling policy");
  c->add_option("--scenario", a->scenarios,
                "built-in name or scenario TOML file; repeat to train on a mix, NAME:WEIGHT for unequal shares")
      ->capture_default_str();
  c->add_option("--seed", a->seed, "training seed (episodes, initialisation, sampling)")->capture_default_str();
  c->add_option("--steps", a->steps, "environment steps to train for")->capture_default_str()->check(at_least(1));
  c->add_option("--out", a->out, "output directory (model, best, progress.csv, config.toml, checkpoint.json)")->capture_default_str();
  c->add_option("--config", a->config, "training config TOML ([ppo] table; see configs/)");
  c->add_option("--preset", a->preset,
                fmt::format("preset when no --config is given: {} (default: trace when a scenario of the mix is a trace, "
                            "else default)",
                            fmt::join(rl::preset_names(), ", ")))
      ->check(CLI::IsMember(rl::preset_names()));
  c->add_flag("--resume", a->resume, "continue the run in --out from its last checkpoint");
  c->add_option("--threads", a->threads, "worker threads (default: all cores; under mpirun: cores / ranks on the node)")
      ->check(at_least(0));
  c->add_option("--shards", a->shards,
                "data-parallel training over this many shards of the environments (a divisor of num_envs; default "
                "under mpirun with several ranks: num_envs); `mpirun -np R` splits them over R ranks, R dividing "
                "the shards; same seed, same model for every R (docs/distributed.md)")
      ->check(at_least(1));
  c->callback([a] { train(*a); });
}

}  // namespace autoscale::cli
