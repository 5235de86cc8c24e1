// The MPI communicator: compiled only when CMake found MPI (AUTOSCALE_HAVE_MPI).
#include <fmt/format.h>
#include <mpi.h>

#include <cstdlib>
#include <numeric>

#include "distributed/communicator.hpp"

namespace autoscale::distributed {
namespace {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw Error(fmt::format("{} failed: {}", what, std::string(text, static_cast<std::size_t>(len))));
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    // Errors come back as codes (turned into exceptions) instead of ending the job silently.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm node;
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
    MPI_Comm_size(node, &local_size_);
    MPI_Comm_free(&node);
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(version, &len);
    name_ = std::string(version, static_cast<std::size_t>(len));
    if (const auto eol = name_.find_first_of(",\n"); eol != std::string::npos) name_.resize(eol);
  }
  ~MpiCommunicator() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_size() const override { return local_size_; }
  std::string name() const override { return name_; }

  void broadcast(std::string& bytes, int root) override {
    unsigned long long n = bytes.size();
    check(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD), "MPI_Bcast");
    bytes.resize(static_cast<std::size_t>(n));
    // In pieces below INT_MAX: MPI counts are ints.
    constexpr std::size_t kPiece = 1 << 30;
    for (std::size_t off = 0; off < bytes.size(); off += kPiece) {
      const int len = static_cast<int>(std::min(kPiece, bytes.size() - off));
      check(MPI_Bcast(bytes.data() + off, len, MPI_CHAR, root, MPI_COMM_WORLD), "MPI_Bcast");
    }
  }
  void allreduce_sum(std::span<std::int64_t> values) override {
    check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce (sum)");
  }
  void allreduce_max(std::span<double> values) override {
    check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD),
          "MPI_Allreduce (max)");
  }
  void allgather(std::span<const double> mine, std::span<double> all) override {
    check(MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE, all.data(), static_cast<int>(mine.size()),
                        MPI_DOUBLE, MPI_COMM_WORLD),
          "MPI_Allgather");
  }
  std::vector<std::string> gather(const std::string& mine, int root) override {
    int len = static_cast<int>(mine.size());
    std::vector<int> lens(rank_ == root ? static_cast<std::size_t>(size_) : 0);
    check(MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, root, MPI_COMM_WORLD), "MPI_Gather");
    std::vector<int> offsets(lens.size());
    std::string all;
    if (rank_ == root) {
      std::exclusive_scan(lens.begin(), lens.end(), offsets.begin(), 0);
      all.resize(static_cast<std::size_t>(std::accumulate(lens.begin(), lens.end(), 0LL)));
    }
    check(MPI_Gatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), offsets.data(), MPI_CHAR, root, MPI_COMM_WORLD),
          "MPI_Gatherv");
    std::vector<std::string> out;
    for (std::size_t r = 0; r < lens.size(); ++r) {
      out.push_back(all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lens[r])));
    }
    return out;
  }
  void barrier() override { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }
  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

 private:
  int rank_ = 0, size_ = 1, local_size_ = 1;
  std::string name_;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator() { return std::make_unique<MpiCommunicator>(); }

}  // namespace autoscale::distributed
