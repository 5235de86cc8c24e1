#include "distributed/communicator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace autoscale::distributed {

#ifdef AUTOSCALE_HAVE_MPI
std::unique_ptr<Communicator> make_mpi_communicator();  // mpi/mpi_communicator.cpp
#endif

void SerialCommunicator::allgather(std::span<const double> mine, std::span<double> all) {
  std::copy(mine.begin(), mine.end(), all.begin());
}

void SerialCommunicator::abort(int code) { std::exit(code); }

namespace {
const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}
}  // namespace

bool launched_by_mpi() {
  // Open MPI's mpirun; MPICH's Hydra and Slurm's srun (PMI-1/2); PMIx launchers (Open MPI 5, srun --mpi=pmix).
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMI_RANK", "PMIX_RANK"}) {
    if (env(v) != nullptr) return true;
  }
  return false;
}

int launcher_world_size() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const char* s = env(v)) return std::max(0, std::atoi(s));
  }
  // srun --mpi=pmix says the size only in Slurm's own variables.
  if (env("PMIX_RANK") != nullptr) {
    for (const char* v : {"SLURM_STEP_NUM_TASKS", "SLURM_NTASKS"}) {
      if (const char* s = env(v)) return std::max(0, std::atoi(s));
    }
  }
  return 0;
}

bool have_mpi() {
#ifdef AUTOSCALE_HAVE_MPI
  return true;
#else
  return false;
#endif
}

std::unique_ptr<Communicator> make_communicator() {
  if (!launched_by_mpi()) return std::make_unique<SerialCommunicator>();
#ifdef AUTOSCALE_HAVE_MPI
  return make_mpi_communicator();
#else
  if (launcher_world_size() > 1) {
    throw ConsistentError(fmt::format(
        "started by an MPI launcher as {} ranks, but this autoscale was built without MPI (CMake did not find it: "
        "install libopenmpi-dev or an MPICH and rebuild, docs/distributed.md)",
        launcher_world_size()));
  }
  return std::make_unique<SerialCommunicator>();
#endif
}

}  // namespace autoscale::distributed
