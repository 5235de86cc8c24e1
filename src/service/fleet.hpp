#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace autoscale {

// Machines: the active ones and a warm-up queue of `latency` slots. The queue is a ring buffer
// (a shift of the seed's list would cost a memmove per step).
class Fleet {
 public:
  Fleet() = default;
  Fleet(int latency, int initial, int max_machines)
      : ring_(static_cast<std::size_t>(latency), 0), initial_(initial), max_(max_machines) {
    reset();
  }

  void reset() {
    active_ = initial_;
    warming_ = 0;
    head_ = 0;
    std::fill(ring_.begin(), ring_.end(), 0);
  }

  // The seed's order: remove, then the oldest order arrives (capped at max), then queue the new one.
  void apply(int add, int remove) {
    active_ = std::max(0, active_ - remove);
    const int arriving = ring_[head_];
    active_ = std::min(active_ + arriving, max_);
    ring_[head_] = add;
    if (++head_ == ring_.size()) head_ = 0;
    warming_ += add - arriving;
  }

  // Sets the fleet to what a real service reports: `active` serving machines and the warm-up
  // queue, next to arrive first (one entry per slot; missing slots are empty). For mirroring a
  // real service, whose counts are the truth, so `active` is not capped.
  void assign(int active, const std::vector<int>& queue) {
    active_ = active;
    head_ = 0;
    warming_ = 0;
    for (std::size_t i = 0; i < ring_.size(); ++i) {
      ring_[i] = i < queue.size() ? queue[i] : 0;
      warming_ += ring_[i];
    }
  }

  int active() const { return active_; }
  int warming() const { return warming_; }
  int latency() const { return static_cast<int>(ring_.size()); }
  // The i-th order to arrive (0 = arrives at the next step).
  int queued(int i) const {
    std::size_t k = head_ + static_cast<std::size_t>(i);
    if (k >= ring_.size()) k -= ring_.size();
    return ring_[k];
  }
  std::vector<int> queue() const {
    std::vector<int> q(ring_.size());
    for (int i = 0; i < latency(); ++i) q[static_cast<std::size_t>(i)] = queued(i);
    return q;
  }
  int max_machines() const { return max_; }

 private:
  std::vector<int> ring_;
  std::size_t head_ = 0;
  int initial_ = 0, max_ = 0;
  int active_ = 0, warming_ = 0;
};

}  // namespace autoscale
