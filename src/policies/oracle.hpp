#pragma once
#include <cstdint>
#include <vector>

#include "policies/policy.hpp"

namespace autoscale {

// What a clairvoyant knows about an episode: its load and its capacity draw (in standard
// deviations) for every minute 1..T. Both come from action-independent streams, so they can be
// replayed before the episode is played.
struct EpisodeFuture {
  std::vector<std::int64_t> load;  // load[t - 1] is minute t's load
  std::vector<double> z;           // z[t - 1] is minute t's capacity draw
};
EpisodeFuture realize_future(const Env& env);

// The best active-machine trajectory a_1..a_T for a per-minute reward table, by exact dynamic
// programming over the active count: a_0 = initial, |a_t - a_{t-1}| <= max_machine_delta, and no
// increase in the first warmup_latency minutes (nothing ordered before reset can arrive).
// reward[(t - 1) * (max_active + 1) + a] is minute t's reward with a machines active.
std::vector<int> plan_fleet(const ServiceParams& p, const std::vector<double>& reward, std::int64_t minutes,
                            int max_active);

// Minute rewards with the realised capacity draws (the `oracle`), or their expectation over the
// capacity distribution (the `oracle-load`), for a = 0..max_active; and the max_active beyond which
// more machines cannot pay (so the DP may stop there without losing optimality).
int oracle_max_active(const ServiceParams& p, const EpisodeFuture& f, bool know_capacity);
std::vector<double> oracle_rewards(const ServiceParams& p, const EpisodeFuture& f, bool know_capacity, int max_active);

// The expected rewards of a planner that knows which loads each window of `window` minutes
// around a minute will bring, but not their order: minute t's reward with a machines is the mean
// over the minutes of its window (centred, cut at the episode's ends) of the expected reward of
// a machines facing that minute's load. window = 1 is oracle-load's table.
std::vector<double> window_rewards(const ServiceParams& p, const EpisodeFuture& f, int max_active, int window);

// Plays a planned trajectory: orders machines warmup_latency minutes before they are needed and
// removes them the minute they are not. `oracle` knows load and capacity; `oracle-load` knows the
// load and maximizes expected profit over capacity draws; `oracle-window:minutes=W` plans on
// window_rewards: it foresees the traffic of every W minutes exactly (its level, trend and how
// noisy it will be) but not which minute brings which load. It measures how much of the gap to
// oracle-load any forecast at a W-minute resolution could close; the rest is per-minute noise
// that only knowing the order of the minutes serves.
class OraclePolicy final : public Policy {
 public:
  // A window wider than one minute plans on expectations: it does not go with know_capacity.
  OraclePolicy(bool know_capacity, int window = 1);
  void reset(const Env& env) override;
  Action act(const Env& env) override;
  const std::vector<int>& plan() const { return plan_; }

 private:
  bool know_capacity_;
  int window_;
  std::vector<int> plan_;  // plan_[t] = active machines in minute t (plan_[0] = initial)
};

}  // namespace autoscale
