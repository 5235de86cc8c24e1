#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/rng.hpp"
#include "env/features.hpp"
#include "load/load_model.hpp"
#include "service/fleet.hpp"
#include "service/params.hpp"

namespace autoscale {

struct Action {
  int add = 0;
  int remove = 0;
};

// What happened in the last minute, as an operator's dashboard would show it.
struct StepInfo {
  std::int64_t minute = 0;  // 0 at reset, then 1, 2, ...
  std::int64_t load = 0;
  std::int64_t capacity = 0;
  std::int64_t failed = 0;
  int active = 0;
  int warming = 0;
  bool down = false;
  int add = 0, remove = 0;  // the action applied this minute, after clamping
  std::int64_t clock = kNoClock;  // UTC epoch seconds of this minute, when the load has a clock
  double reward = 0;
};

// One minute of a real service as its monitoring reported it, for an Env that mirrors that
// service instead of simulating one (the server's stateful API).
struct ReportedMinute {
  std::int64_t load = 0;    // offered transactions in the minute
  std::int64_t failed = 0;  // of which failed (at most load)
  int active = 0;           // machines serving
  std::vector<int> queue;   // machines warming up per warm-up slot, next to arrive first
  std::int64_t clock = kNoClock;  // UTC epoch seconds of the minute, or kNoClock
  int add = 0, remove = 0;  // the decision applied before this minute, as StepInfo records it
};

struct StepResult {
  std::span<const float> observation;
  double reward = 0;
  bool terminated = false;  // never: the service has no terminal state
  bool truncated = false;   // the episode's time limit was reached
  StepInfo info;  // a copy: results stay valid after the next step
};

// An episode's two random streams, keyed by its seed alone (never by actions), so every policy
// meets the same loads and capacity draws. The environment draws from them and the clairvoyant
// oracle replays them, through these two definitions only.
inline std::uint64_t episode_load_seed(std::uint64_t episode_seed) { return stream_seed(episode_seed, Stream::kLoad); }

// The capacity stream, minute by minute: one standard normal at reset, then one per step.
class CapacityStream {
 public:
  CapacityStream() = default;
  explicit CapacityStream(std::uint64_t seed) : rng_(make_stream(seed, Stream::kCapacity)) {}
  double next() { return rng_.normal(); }

 private:
  Rng rng_;
};

// One simulated service (the seed's `autoscalesim`), Gym-style, with the seed's 25-float observation
// (`FeatureSet::kNotebook`) or the extended one. Load and capacity randomness come
// from two streams derived from the episode seed, so they are the same whatever the actions.
class Env {
 public:
  Env(const ServiceParams& params, std::unique_ptr<LoadModel> load, FeatureSet features = FeatureSet::kNotebook);
  Env(const Env& other);
  Env& operator=(const Env&) = delete;

  std::span<const float> reset(std::uint64_t seed);
  StepResult step(Action action);

  // Mirror mode: the minute a real service reported replaces a simulated one. Info, fleet and
  // features are updated exactly as reset() (the first minute) and step() do, so a policy acts on
  // a mirrored service as it would in simulation. Capacity is not observed: it is recorded as what
  // was served when transactions failed, else the larger of the load and the nominal capacity.
  std::span<const float> reset_reported(const ReportedMinute& m);
  StepResult step_reported(const ReportedMinute& m);
  // The per-minute limits step() applies to an action.
  Action clamp(Action a) const;

  std::span<const float> observation() const { return features_.values(); }
  const Features& features() const { return features_; }
  const StepInfo& info() const { return info_; }
  const Fleet& fleet() const { return fleet_; }
  const ServiceParams& params() const { return params_; }
  // The load model (clairvoyant oracles clone it to replay the episode's load).
  const LoadModel& load_model() const { return *load_; }
  int obs_dim() const { return features_.dim(); }
  std::int64_t episode_steps() const { return params_.episode_steps(); }
  std::uint64_t seed() const { return seed_; }

 private:
  void set_reported(const ReportedMinute& m);

  ServiceParams params_;
  std::unique_ptr<LoadModel> load_;
  Fleet fleet_;
  CapacityStream capacity_;
  Features features_;
  StepInfo info_;
  std::uint64_t seed_ = 0;
};


}  // namespace autoscale
