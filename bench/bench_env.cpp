// Environment throughput. `autoscale_bench --benchmark_filter=Env` prints steps per second
// (items_per_second) for one environment and for the pool at 1 and 2 threads; the pool's figures
// read best as ratios against the single environment measured in the same run.
#include <benchmark/benchmark.h>

#include "env/vec_env.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {
namespace {

void BM_EnvStepSeedNoop(benchmark::State& state) {
  Env env = resolve_scenario("seed").make_env();
  env.reset(1);
  std::uint64_t seed = 2;
  for (auto _ : state) {
    const StepResult r = env.step({});
    benchmark::DoNotOptimize(r.reward);
    if (r.truncated) env.reset(seed++);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EnvStepSeedNoop);

void BM_LoadSeedNext(benchmark::State& state) {
  NotebookLoad load;
  load.reset(1);
  for (auto _ : state) benchmark::DoNotOptimize(load.next());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LoadSeedNext);

void BM_VecEnvStepSeedNoop(benchmark::State& state) {
  const int envs = static_cast<int>(state.range(0)), threads = static_cast<int>(state.range(1));
  VecEnv pool(resolve_scenario("seed").make_env(), envs, 1, threads);
  pool.reset();
  std::vector<Action> actions(static_cast<std::size_t>(envs));
  for (auto _ : state) {
    pool.step(actions);
    benchmark::DoNotOptimize(pool.rewards().data());
  }
  state.SetItemsProcessed(state.iterations() * envs);
}
BENCHMARK(BM_VecEnvStepSeedNoop)->Args({64, 1})->Args({64, 2})->Args({1024, 1})->Args({1024, 2})->UseRealTime();

}  // namespace
}  // namespace autoscale
