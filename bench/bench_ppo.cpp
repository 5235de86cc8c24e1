// End-to-end training throughput (rollouts plus updates) of the default PPO config with the
// seed-sized 64-64 networks: `autoscale_bench --benchmark_filter=Ppo`. items_per_second is
// environment steps per second; compare the 1- and 2-thread rows of the same run.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <filesystem>

#include "rl/ppo.hpp"

namespace autoscale {
namespace {

void BM_PpoTrainThroughput(benchmark::State& state) {
  rl::TrainOptions o;
  o.scenarios = {{resolve_scenario("seed"), 1.0}};
  o.config = rl::preset_config("default");
  o.config.validation_episodes = 0;  // pure training work
  o.config.hidden = {64, 64};        // the seed's network size
  o.total_steps = 64 * o.config.batch_size();
  o.threads = static_cast<int>(state.range(0));
  o.out_dir = std::filesystem::temp_directory_path() / ("autoscale_bench_ppo_" + std::to_string(::getpid()));
  std::int64_t steps = 0;
  for (auto _ : state) steps += rl::train(o).steps;
  state.SetItemsProcessed(steps);
  std::filesystem::remove_all(o.out_dir);
}
BENCHMARK(BM_PpoTrainThroughput)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace
}  // namespace autoscale
