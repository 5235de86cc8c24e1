#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/env.hpp"
#include "policies/policy.hpp"
#include "serve/metrics_report.hpp"

namespace autoscale::serve {

// What the server answers for a reported minute.
struct Decision {
  std::int64_t minute = 0;     // minutes since the service's state (re)started; 0 = first report
  std::int64_t timestamp = 0;  // start of the reported minute, UTC epoch seconds
  Action action;               // within the per-minute limits
  int desired = 0;             // active + warming after the action: the fleet to steer to
  int filled = 0;              // missing minutes filled before this one (gap rule)
  bool restarted = false;      // a gap longer than max_gap_minutes restarted the state here
  bool duplicate = false;      // a retry of the last minute: the same answer, nothing changed
};

// One real service mirrored in an Env, so that a policy acts on it exactly as in simulation.
//
// Rules for the order of reports (minute = floor(timestamp / 60)):
// - the first report starts the state, as Env::reset() starts an episode (minute 0);
// - the next minute advances it, as Env::step() does;
// - the last minute again with the same values is a retry: the stored decision is returned and
//   nothing changes; with other values it is refused (HttpError 409);
// - an earlier minute is refused (409): minutes are never rewritten;
// - a gap of up to max_gap_minutes missing minutes is filled by repeating the last report (load,
//   failed, active and the warming count) for each missing minute, the policy acting on each as
//   if its decisions were not carried out, then the new minute is applied;
// - a longer gap restarts the state at the new report (the history before it is forgotten).
//
// The warm-up queue: when `warming` is a count, the slots are inferred. Each minute every slot
// moves one step closer to arrival, and the machines the count shows beyond those still in the
// queue were ordered in the last minute (the newest slot). Fewer machines than still queued means
// some arrived early or were cancelled: they are taken from the slots closest to arrival. The
// first report's warming machines are all put in the newest slot. Under the simulator's model
// this reproduces its queue exactly, whether or not the operator followed the decisions (the
// rule uses the reported counts, never the server's own decisions), so it holds in dry-run too.
// A per-slot `warming` is taken as it is.
//
// The state is a function of the accepted reports alone: replaying them (after a restart of the
// server, or a model change) rebuilds it bit for bit.
class ServiceMirror {
 public:
  using PolicyMaker = std::function<std::unique_ptr<Policy>()>;
  ServiceMirror(Env env, ServiceConfig config, PolicyMaker make_policy);

  // Applies the rules above. Throws HttpError 409 for a conflicting retry or an earlier minute.
  Decision ingest(const MetricsReport& r);
  // The reports since the last (re)start, in order: what must be persisted to rebuild the state.
  const std::vector<MetricsReport>& history() const { return history_; }
  // Rebuilds the state from `history` (e.g. read back after a restart) with a fresh policy.
  void replay(const std::vector<MetricsReport>& history);
  // Forgets the last accepted report (its persistence failed) and rebuilds without it.
  void drop_last();
  void set_policy_maker(PolicyMaker make) { make_policy_ = std::move(make); }
  const ServiceConfig& config() const { return config_; }
  void set_dry_run(bool on) { config_.dry_run = on; }
  // Takes effect at the next replay() (the caller rebuilds the state with the new model).
  void set_model(const std::string& name) { config_.model = name; }
  const Decision& last_decision() const { return last_; }
  const Env& env() const { return env_; }
  const std::vector<int>& queue() const { return queue_; }
  nlohmann::json state_json() const;

 private:
  Decision start(const MetricsReport& r);
  Decision advance(const MetricsReport& r, std::int64_t key, bool first);
  std::vector<int> infer_queue(const MetricsReport& r, bool first) const;

  Env env_;
  ServiceConfig config_;
  PolicyMaker make_policy_;
  std::unique_ptr<Policy> policy_;
  std::vector<MetricsReport> history_;
  std::vector<int> queue_;
  std::int64_t last_key_ = 0;
  Decision last_;
};

}  // namespace autoscale::serve
