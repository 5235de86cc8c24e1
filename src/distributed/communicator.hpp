#pragma once
// The few collective operations data-parallel training needs, behind one interface: a serial
// communicator (one rank, no MPI) and, when the build found MPI, one over MPI_COMM_WORLD
// (standard MPI-3 calls only, so Open MPI and MPICH both serve). Only the calling (main) thread
// communicates; worker threads never do (MPI_THREAD_FUNNELED).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace autoscale::distributed {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual int local_size() const = 0;  // ranks on this node (threads per rank default to cores / this)
  virtual std::string name() const = 0;  // "serial" or the MPI library's version line

  // Every rank gets root's `bytes`.
  virtual void broadcast(std::string& bytes, int root) = 0;
  // Element-wise over ranks, in place. Integer sums and maxima do not depend on the order in
  // which ranks are combined, which is what makes them deterministic (fixed_point.hpp).
  virtual void allreduce_sum(std::span<std::int64_t> values) = 0;
  virtual void allreduce_max(std::span<double> values) = 0;
  // Every rank contributes `mine` (the same length on every rank); `all` receives the blocks in
  // rank order (size() * mine.size() values).
  virtual void allgather(std::span<const double> mine, std::span<double> all) = 0;
  // Root receives every rank's string in rank order (others get an empty vector).
  virtual std::vector<std::string> gather(const std::string& mine, int root) = 0;
  virtual void barrier() = 0;
  // Ends every rank of the job with `code` (MPI_Abort); serial: exits the process.
  [[noreturn]] virtual void abort(int code) = 0;
};

class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  int local_size() const override { return 1; }
  std::string name() const override { return "serial"; }
  void broadcast(std::string&, int) override {}
  void allreduce_sum(std::span<std::int64_t>) override {}
  void allreduce_max(std::span<double>) override {}
  void allgather(std::span<const double> mine, std::span<double> all) override;
  std::vector<std::string> gather(const std::string& mine, int) override { return {mine}; }
  void barrier() override {}
  [[noreturn]] void abort(int code) override;
};

// An error every rank meets alike before any communication (bad options, R not dividing K): each
// rank can end normally (rank 0 reports it) instead of aborting the job.
class ConsistentError : public Error {
 public:
  using Error::Error;
};

// Whether an MPI launcher (mpirun/mpiexec of Open MPI or MPICH, srun with PMI/PMIx) started this
// process, read from the variables they set; and how many ranks it says the job has (0: unknown).
bool launched_by_mpi();
int launcher_world_size();
// Whether this build has MPI (CMake found it).
bool have_mpi();

// MPI over MPI_COMM_WORLD when launched by an MPI launcher (MPI_Init here, MPI_Finalize in the
// destructor), else the serial communicator. Throws ConsistentError when the launcher asks for
// several ranks from a build without MPI.
std::unique_ptr<Communicator> make_communicator();

}  // namespace autoscale::distributed
