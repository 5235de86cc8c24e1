// The cost of one gradient reduction across the ranks of an mpirun job, for the gradient of the
// default model (actor + critic of the `default` preset on `seed`): the deterministic one the
// sharded trainer takes (MPI_MAX of the largest magnitude, conversion to 64-bit fixed point,
// MPI_SUM of int64, back to float) and, for comparison, a plain MPI_Allreduce of the floats
// (whose result would depend on the rank count). Run under mpirun; rank 0 prints one TSV row per
// kind: ranks, params, microseconds per reduction (the best of several batches).
// Usage: mpirun -np R autoscale_mpi_bench [REPS]
#include <fmt/format.h>
#include <mpi.h>

#include <Eigen/Dense>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "distributed/communicator.hpp"
#include "distributed/fixed_point.hpp"
#include "env/env.hpp"
#include "rl/agent.hpp"
#include "rl/ppo_config.hpp"
#include "scenario/scenario.hpp"

using namespace autoscale;

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 2000;
  const auto comm = distributed::make_communicator();
  const rl::PpoConfig c = rl::preset_config("default");
  const Scenario s = resolve_scenario("seed");
  const Env env(s.service, s.make_load(), c.features);
  const rl::Agent agent(c.features, c.action, env.obs_dim(), c.action.head_sizes(s.service), c.hidden, true, 1);
  const auto params = static_cast<std::size_t>(agent.actor.num_params() + agent.critic.num_params());
  std::vector<float> partial(params), reduced(params);
  for (std::size_t i = 0; i < params; ++i) partial[i] = static_cast<float>((static_cast<double>(i % 97) - 48.0) * 1e-3 * (comm->rank() + 1));
  std::vector<std::int64_t> sum(params);

  const auto deterministic = [&] {
    double max_abs = Eigen::Map<const Eigen::VectorXf>(partial.data(), static_cast<Eigen::Index>(params)).cwiseAbs().maxCoeff();
    comm->allreduce_max(std::span<double>(&max_abs, 1));
    const int e = distributed::fixed_point_exponent(max_abs, comm->size());
    std::fill(sum.begin(), sum.end(), 0);
    distributed::add_fixed(partial, e, sum);
    comm->allreduce_sum(sum);
    distributed::from_fixed(sum, e, reduced);
  };
  const auto plain = [&] {
    MPI_Allreduce(partial.data(), reduced.data(), static_cast<int>(params), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  };
  const auto time = [&](const auto& f) {
    double best = 1e300;
    for (int batch = 0; batch < 5; ++batch) {
      comm->barrier();
      const double t0 = MPI_Wtime();
      for (int r = 0; r < reps; ++r) f();
      double t = (MPI_Wtime() - t0) / reps;
      comm->allreduce_max(std::span<double>(&t, 1));  // the slowest rank's time
      best = std::min(best, t);
    }
    return best * 1e6;
  };
  const double det = time(deterministic), flt = time(plain);
  if (comm->rank() == 0) {
    fmt::print("kind\tranks\tparams\tmicroseconds\n");
    fmt::print("deterministic_int64\t{}\t{}\t{:.2f}\n", comm->size(), params, det);
    fmt::print("plain_float\t{}\t{}\t{:.2f}\n", comm->size(), params, flt);
  }
  return 0;
}
