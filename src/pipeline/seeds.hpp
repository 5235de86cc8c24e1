#pragma once
#include <cstdint>

namespace autoscale::pipeline::seeds {

// Episode seeds of the main job's evaluations. Training draws its episodes from train_seed_base
// (src/rl/ppo.cpp), validation from PpoConfig::validation_seed (900000..) and tuning from 0..:
// none of them reaches these.
inline constexpr std::uint64_t kEvaluation = 5'000'000;  // the future (on a trace) or unseen episodes
inline constexpr std::uint64_t kHoldout = 6'000'000;     // the gate's held-out days

}  // namespace autoscale::pipeline::seeds
