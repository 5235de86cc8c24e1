#include "env/env.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "service/outcome.hpp"

namespace autoscale {

Env::Env(const ServiceParams& params, std::unique_ptr<LoadModel> load, FeatureSet features)
    : params_(params),
      load_(std::move(load)),
      fleet_(params.warmup_latency, params.initial_machines, params.max_machines()),
      features_(params, features) {
  if (!load_) throw Error("environment needs a load model");
}

Env::Env(const Env& o)
    : params_(o.params_),
      load_(o.load_->clone()),
      fleet_(o.fleet_),
      capacity_(o.capacity_),
      features_(o.features_),
      info_(o.info_),
      seed_(o.seed_) {}

std::span<const float> Env::reset(std::uint64_t seed) {
  seed_ = seed;
  load_->reset(episode_load_seed(seed));
  capacity_ = CapacityStream(seed);
  fleet_.reset();
  features_.reset();
  // The seed evaluates one minute with zero load at reset (so `down` starts at 1); its reward is
  // not counted, but it draws capacity and feeds the EMAs once.
  info_ = StepInfo{};
  info_.active = fleet_.active();
  info_.clock = load_->clock();
  info_.capacity = fleet_capacity(params_, info_.active, capacity_.next());
  const MinuteOutcome o = minute_outcome(params_, 0, info_.capacity, info_.active, 0);
  info_.down = o.down;
  features_.update(info_, fleet_);
  return features_.values();
}

Action Env::clamp(Action a) const {
  const int delta = params_.max_machine_delta;
  return {std::clamp(a.add, 0, delta), std::clamp(a.remove, 0, delta)};
}

StepResult Env::step(Action a) {
  a = clamp(a);
  fleet_.apply(a.add, a.remove);

  info_.minute += 1;
  info_.add = a.add;
  info_.remove = a.remove;
  info_.active = fleet_.active();
  info_.warming = fleet_.warming();
  info_.load = load_->next();
  info_.clock = load_->clock();
  info_.capacity = fleet_capacity(params_, info_.active, capacity_.next());
  const MinuteOutcome o = minute_outcome(params_, info_.load, info_.capacity, info_.active, info_.warming);
  info_.failed = o.failed;
  info_.down = o.down;
  info_.reward = o.reward;
  features_.update(info_, fleet_);
  return StepResult{features_.values(), o.reward, false, info_.minute > params_.max_time_steps, info_};
}

void Env::set_reported(const ReportedMinute& m) {
  if (m.load < 0 || m.failed < 0 || m.failed > m.load || m.active < 0) throw Error("reported minute out of range");
  fleet_.assign(m.active, m.queue);
  info_.add = m.add;
  info_.remove = m.remove;
  info_.active = fleet_.active();
  info_.warming = fleet_.warming();
  info_.load = m.load;
  info_.clock = m.clock;
  // Served = load - failed exactly, through the same outcome rule the simulation uses.
  const MinuteOutcome o = minute_outcome(params_, m.load, m.load - m.failed, m.active, info_.warming);
  info_.failed = o.failed;
  info_.down = o.down;
  info_.reward = o.reward;
  info_.capacity = m.failed > 0 ? m.load - m.failed : std::max(m.load, fleet_capacity(params_, m.active, 0.0));
}

std::span<const float> Env::reset_reported(const ReportedMinute& m) {
  features_.reset();
  info_ = StepInfo{};
  set_reported(m);
  info_.reward = 0;  // as at reset: the first minute's reward is not counted
  features_.update(info_, fleet_);
  return features_.values();
}

StepResult Env::step_reported(const ReportedMinute& m) {
  info_.minute += 1;
  set_reported(m);
  features_.update(info_, fleet_);
  return StepResult{features_.values(), info_.reward, false, false, info_};
}

}  // namespace autoscale
