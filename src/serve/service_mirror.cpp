#include "serve/service_mirror.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "serve/http_error.hpp"

namespace autoscale::serve {

ServiceMirror::ServiceMirror(Env env, ServiceConfig config, PolicyMaker make_policy)
    : env_(std::move(env)), config_(std::move(config)), make_policy_(std::move(make_policy)) {}

std::vector<int> ServiceMirror::infer_queue(const MetricsReport& r, bool first) const {
  if (r.queue) return *r.queue;
  const std::size_t slots = static_cast<std::size_t>(env_.params().warmup_latency);
  std::vector<int> q(slots, 0);
  if (slots == 0) return q;
  if (!first) std::copy(queue_.begin() + 1, queue_.end(), q.begin());  // one minute closer to arrival
  const int queued = std::accumulate(q.begin(), q.end(), 0);
  if (r.warming >= queued) {
    q.back() += r.warming - queued;  // ordered in the last minute
  } else {
    int surplus = queued - r.warming;  // arrived early or cancelled: the oldest orders first
    for (auto& slot : q) {
      const int take = std::min(slot, surplus);
      slot -= take;
      surplus -= take;
    }
  }
  return q;
}

Decision ServiceMirror::advance(const MetricsReport& r, std::int64_t key, bool first) {
  queue_ = infer_queue(r, first);
  ReportedMinute m;
  m.load = r.load;
  m.failed = r.failed;
  m.active = r.active;
  m.queue = queue_;
  m.clock = config_.wall_clock ? key * 60 : kNoClock;
  if (first) {
    env_.reset_reported(m);
    policy_ = make_policy_();
    policy_->reset(env_);
  } else {
    m.add = last_.action.add;
    m.remove = last_.action.remove;
    env_.step_reported(m);
  }
  Decision d;
  d.minute = env_.info().minute;
  d.timestamp = key * 60;
  d.action = env_.clamp(policy_->act(env_));
  const int active = env_.fleet().active(), warming = env_.fleet().warming();
  d.desired = active + warming + d.action.add - std::min(d.action.remove, active);
  last_key_ = key;
  last_ = d;
  return d;
}

Decision ServiceMirror::start(const MetricsReport& r) {
  history_.clear();
  return advance(r, r.minute_key(), true);
}

Decision ServiceMirror::ingest(const MetricsReport& r) {
  const std::int64_t key = r.minute_key();
  if (history_.empty()) {
    Decision d = start(r);
    history_.push_back(r);
    return d;
  }
  if (key == last_key_) {
    if (!r.same_minute_and_values(history_.back())) {
      throw conflict(fmt::format("minute {} (timestamp {}) was already reported with other values: {}", key * 60,
                                 r.timestamp, history_.back().to_json().dump()));
    }
    Decision d = last_;
    d.duplicate = true;
    d.filled = 0;
    d.restarted = false;
    return d;
  }
  if (key < last_key_) {
    throw conflict(fmt::format("minute {} is before the last reported minute {}: reports must come in time order",
                               key * 60, last_key_ * 60));
  }
  const std::int64_t gap = key - last_key_ - 1;
  if (gap > config_.max_gap_minutes) {
    Decision d = start(r);
    history_.push_back(r);
    d.restarted = true;
    return d;
  }
  MetricsReport carried = history_.back();
  carried.queue.reset();  // the count carries over; the slots move on as the rule says
  for (std::int64_t i = 1; i <= gap; ++i) advance(carried, last_key_ + 1, false);
  Decision d = advance(r, key, false);
  d.filled = static_cast<int>(gap);
  history_.push_back(r);
  return d;
}

void ServiceMirror::replay(const std::vector<MetricsReport>& history) {
  history_.clear();
  queue_.clear();
  policy_.reset();
  for (const auto& r : history) ingest(r);
}

void ServiceMirror::drop_last() {
  auto h = history_;
  if (!h.empty()) h.pop_back();
  replay(h);
}

nlohmann::json ServiceMirror::state_json() const {
  nlohmann::json j = {{"config", config_.to_json()}, {"reports", history_.size()}};
  if (history_.empty()) return j;
  const StepInfo& i = env_.info();
  j["minute"] = i.minute;
  j["last_report"] = history_.back().to_json();
  j["fleet"] = {{"active", env_.fleet().active()}, {"warming", env_.fleet().warming()}, {"queue", queue_}};
  j["last_minute"] = {{"load", i.load}, {"failed", i.failed}, {"down", i.down}, {"reward", i.reward}};
  j["last_decision"] = {{"minute", last_.minute}, {"timestamp", last_.timestamp}, {"add", last_.action.add},
                        {"remove", last_.action.remove}, {"desired", last_.desired}};
  return j;
}

}  // namespace autoscale::serve
