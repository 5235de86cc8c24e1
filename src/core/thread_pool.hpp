#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace autoscale {

// A fixed set of worker threads for fork-join loops that run thousands of times per second
// (one vectorised environment step is a few microseconds of work). Workers spin briefly and then
// sleep on an atomic (futex), so a short loop costs far less than a mutex/condition-variable round
// trip. The calling thread takes a share of the work. Work is split statically by index, so which
// thread runs which item never changes results.
class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) on contiguous ranges that partition [0, n), one range per thread, and
  // returns when all have finished. The first exception thrown is rethrown here.
  void parallel_for(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& fn);

 private:
  void worker(int index);
  void run_share(int index);

  std::vector<std::thread> workers_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(std::int64_t, std::int64_t)>* fn_ = nullptr;
  std::int64_t n_ = 0;
  std::exception_ptr error_;
  std::atomic_flag error_set_ = ATOMIC_FLAG_INIT;
};

// Threads to use when the user did not say: all cores.
int default_threads();

}  // namespace autoscale
