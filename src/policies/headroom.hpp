#pragma once
#include "policies/policy.hpp"
#include "policies/spec.hpp"

namespace autoscale {

// The reference rule of docs/seed-model.md: keep active + warming machines at
// ceil((load * factor + reserve) / tpm_per_machine), steered with steer_to as fast as the
// per-minute limits allow. The factor absorbs capacity noise and gradual rises, the reserve
// (tpm) absorbs a spike during the warm-up it takes to react to it.
struct HeadroomConfig {
  double factor = 1.5;
  double reserve = 1000;
};

HeadroomConfig read_headroom_config(SpecReader& r);

// The rule's fleet size for `load`.
int headroom_machines(const HeadroomConfig& c, double load, double tpm_per_machine);

class HeadroomPolicy final : public Policy {
 public:
  explicit HeadroomPolicy(const HeadroomConfig& config) : c_(config) {}
  Action act(const Env& env) override;
  void reset(const Env&) override { target_ = -1; }
  int desired_fleet() const override { return target_; }

 private:
  HeadroomConfig c_;
  int target_ = -1;
};

}  // namespace autoscale
