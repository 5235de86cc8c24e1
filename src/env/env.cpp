#include "env/env.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "service/money.hpp"

namespace autoscale {

Env::Env(const ServiceParams& params, std::unique_ptr<LoadModel> load)
    : params_(params),
      load_(std::move(load)),
      fleet_(params.warmup_latency, params.initial_machines, params.max_machines()),
      obs_(kEmaAlphas.size() * kSignals + static_cast<std::size_t>(params.warmup_latency), 0.0f) {
  if (!load_) throw Error("environment needs a load model");
  inv_max_tpm_ = (1.0 / params_.max_tpm);
  inv_max_machines_ = (1.0 / std::max(1, params_.max_machines()));
  inv_delta_ = (1.0 / std::max(1, params_.max_machine_delta));
}

Env::Env(const Env& o)
    : params_(o.params_),
      load_(o.load_->clone()),
      fleet_(o.fleet_),
      capacity_rng_(o.capacity_rng_),
      ema_(o.ema_),
      obs_(o.obs_),
      info_(o.info_),
      seed_(o.seed_),
      inv_max_tpm_(o.inv_max_tpm_),
      inv_max_machines_(o.inv_max_machines_),
      inv_delta_(o.inv_delta_) {}

std::span<const float> Env::reset(std::uint64_t seed) {
  seed_ = seed;
  load_->reset(stream_seed(seed, static_cast<std::uint64_t>(Stream::kLoad)));
  capacity_rng_ = make_stream(seed, Stream::kCapacity);
  fleet_.reset();
  ema_.fill(0.0);
  // The seed evaluates one minute with zero load at reset (so `down` starts at 1); its reward is
  // not counted, but it draws capacity and feeds the EMAs once.
  info_ = StepInfo{};
  info_.active = fleet_.active();
  info_.capacity = fleet_capacity(params_, info_.active, capacity_rng_.normal());
  const MinuteOutcome o = minute_outcome(params_, 0, info_.capacity, info_.active);
  info_.down = o.down;
  observe();
  return obs_;
}

StepResult Env::step(Action a) {
  const int delta = params_.max_machine_delta;
  a.add = std::clamp(a.add, 0, delta);
  a.remove = std::clamp(a.remove, 0, delta);
  fleet_.apply(a.add, a.remove);

  info_.minute += 1;
  info_.add = a.add;
  info_.remove = a.remove;
  info_.active = fleet_.active();
  info_.warming = fleet_.warming();
  info_.load = load_->next();
  info_.capacity = fleet_capacity(params_, info_.active, capacity_rng_.normal());
  const MinuteOutcome o = minute_outcome(params_, info_.load, info_.capacity, info_.active);
  info_.failed = o.failed;
  info_.down = o.down;
  info_.reward = o.reward;
  observe();
  return StepResult{obs_, o.reward, false, info_.minute > params_.max_time_steps, info_};
}

namespace {

// The EMA table flattened alpha-major, so the update is one straight loop the compiler vectorizes.
constexpr std::size_t kEmas = kEmaAlphas.size() * kSignals;
constexpr auto kAlpha = [] {
  std::array<double, kEmas> a{};
  for (std::size_t i = 0; i < kEmas; ++i) a[i] = kEmaAlphas[i / kSignals];
  return a;
}();
constexpr auto kKeep = [] {
  std::array<double, kEmas> a{};
  for (std::size_t i = 0; i < kEmas; ++i) a[i] = 1 - kAlpha[i];
  return a;
}();

}  // namespace

void Env::observe() {
  const double load = static_cast<double>(info_.load);
  const double signal[kSignals] = {
      load * inv_max_tpm_,
      static_cast<double>(info_.failed) / (load + 1e-5),
      info_.down ? 1.0 : 0.0,
      static_cast<double>(info_.active) * inv_max_machines_,
  };
  double* __restrict e = ema_.data();
  float* __restrict out = obs_.data();
  for (std::size_t i = 0; i < kEmas; ++i) {
    e[i] = e[i] * kKeep[i] + kAlpha[i] * signal[i % kSignals];
    out[i] = static_cast<float>(e[i]);
  }
  const int latency = fleet_.latency();
  for (int i = 0; i < latency; ++i) out[kEmas + static_cast<std::size_t>(i)] = static_cast<float>(fleet_.queued(i) * inv_delta_);
}

}  // namespace autoscale
