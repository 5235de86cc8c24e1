#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "env/env.hpp"

namespace autoscale {

// A scaling policy. It sees what an operator's controller could see after each minute: the
// environment's info (load, capacity, active, warming, failures), the warm-up queue and the
// observation vector. Clairvoyant oracles also read the episode's future in reset().
class Policy {
 public:
  virtual ~Policy() = default;
  // Called after env.reset(seed), before the first act().
  virtual void reset(const Env& env) { (void)env; }
  virtual Action act(const Env& env) = 0;
  // Named counts of what the policy did in the episode so far, beyond its actions (how often a
  // learned policy's guardrail stepped in); evaluations report their mean per episode.
  virtual std::vector<std::pair<std::string, std::int64_t>> counters() const { return {}; }
  // The fleet (active + warming) the policy's last act() is steering toward, for a controller that
  // keeps one (the classical autoscalers' desired capacity); -1 when it has none. The per-minute
  // limits may keep the fleet from reaching it for several minutes.
  virtual int desired_fleet() const { return -1; }
};

// Never acts: the seed's initial fleet stays.
class NoopPolicy final : public Policy {
 public:
  Action act(const Env&) override { return {}; }
};

// Steers active + warming machines to a fixed count as fast as the action limits allow, then holds.
class StaticPolicy final : public Policy {
 public:
  explicit StaticPolicy(int target) : target_(target) {}
  Action act(const Env& env) override;

 private:
  int target_;
};

}  // namespace autoscale
