#pragma once
#include <vector>

#include "env/env.hpp"
#include "env/features.hpp"
#include "load/load_model.hpp"

namespace autoscale::testing {

// A load model that replays a fixed list (then repeats its last value): hand-computable cases.
class ScriptedLoad final : public LoadModel {
 public:
  explicit ScriptedLoad(std::vector<std::int64_t> values) : values_(std::move(values)) {}
  void reset(std::uint64_t) override { i_ = 0; }
  std::int64_t next() override { return values_[std::min(i_++, values_.size() - 1)]; }
  std::unique_ptr<LoadModel> clone() const override { return std::make_unique<ScriptedLoad>(*this); }

 private:
  std::vector<std::int64_t> values_;
  std::size_t i_ = 0;
};

// Steps `env` from its reset through `minutes` minutes with no action, updating `f` as a policy
// would: the features a policy has after watching those minutes.
inline void drive(Env& env, Features& f, int minutes) {
  env.reset(0);
  f.reset();
  f.update(env.info(), env.fleet());
  for (int m = 0; m < minutes; ++m) {
    env.step({});
    f.update(env.info(), env.fleet());
  }
}

}  // namespace autoscale::testing
