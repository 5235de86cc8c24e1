#pragma once
#include <vector>

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

}  // namespace autoscale::testing
