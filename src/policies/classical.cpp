#include "policies/classical.hpp"

#include "policies/headroom.hpp"
#include "policies/hpa.hpp"
#include "policies/predictive.hpp"
#include "policies/step_scaling.hpp"
#include "policies/target_tracking.hpp"

namespace autoscale {

// Tuning boxes hold the seed scenario's optimum well inside (measured with sweeps over seeds
// 20000+): downtime costs 4000 machine-minutes, so the good settings run the fleet at 50-65 %
// utilization and the utilization ranges reach well below that. Reserves are in units of the
// scenario's reference load, so they fit a service of any size.
const std::vector<ClassicalPolicy>& classical_policies() {
  static const std::vector<ClassicalPolicy> registry = {
      {"hpa", "Kubernetes HPA (replica_calculator.go, horizontal.go), 15 s sync loop",
       [](SpecReader& r, const ServiceParams& s) -> std::unique_ptr<Policy> {
         return std::make_unique<HpaPolicy>(read_hpa_config(r, s.max_machines()));
       },
       {{"target", 0.3, 0.9, false, false, false, 0.05, 1.0},
        {"tolerance", 0.0, 0.3, false, false, false, 0, 1},
        {"down_window", 0, 1800, true, false, false, 0, 3600}}},
      {"target-tracking", "AWS target tracking on utilization",
       [](SpecReader& r, const ServiceParams& s) -> std::unique_ptr<Policy> {
         return std::make_unique<TargetTrackingPolicy>(read_target_tracking_config(r, s.max_machines()));
       },
       {{"target", 0.3, 0.9, false, false, false, 0.05, 1.0},
        {"out_points", 1, 5, true, false, false, 1, 60},
        {"in_points", 1, 30, true, true, false, 1, 1440},
        {"in_step", 0.01, 1.0, false, true, false, 0.001, 1}}},
      // low stays below high over the whole box (the spec rejects low >= high).
      {"step", "AWS step scaling with scale-out and scale-in tables",
       [](SpecReader& r, const ServiceParams& s) -> std::unique_ptr<Policy> {
         return std::make_unique<StepScalingPolicy>(read_step_config(r, s.max_machines()));
       },
       {{"high", 0.55, 0.9, false, false, false, 0.55, 2},
        {"low", 0.25, 0.54, false, false, false, 0.02, 0.54},
        {"in_points", 1, 30, true, true, false, 1, 1440}}},
      {"simple", "AWS simple scaling with a cooldown",
       [](SpecReader& r, const ServiceParams& s) -> std::unique_ptr<Policy> {
         return std::make_unique<SimpleScalingPolicy>(read_simple_config(r, s.max_machines()));
       },
       {{"high", 0.55, 0.9, false, false, false, 0.55, 2},
        {"low", 0.25, 0.54, false, false, false, 0.02, 0.54},
        {"cooldown", 0, 900, true, false, false, 0, 3600}}},
      {"predictive", "AWS-style predictive scaling: seasonal forecast floor + target tracking",
       [](SpecReader& r, const ServiceParams& s) -> std::unique_ptr<Policy> {
         return std::make_unique<PredictivePolicy>(read_predictive_config(r, s.max_machines()));
       },
       {{"safety", 1.0, 2.0, false, false, false, 0.5, 5},
        {"reserve", 0, 0.45, false, false, true, 0, 2},
        {"buffer", 0, 60, true, false, false, 0, 240},
        {"target", 0.4, 0.95, false, false, false, 0.1, 1.0}}},
      {"headroom", "the seed's reference rule: fleet = ceil((load * factor + reserve) / tpm_per_machine)",
       [](SpecReader& r, const ServiceParams&) -> std::unique_ptr<Policy> {
         return std::make_unique<HeadroomPolicy>(read_headroom_config(r));
       },
       {{"factor", 1.0, 2.5, false, false, false, 0.5, 5}, {"reserve", 0, 0.45, false, false, true, 0, 2}}},
  };
  return registry;
}

std::vector<std::string> classical_policy_names() {
  std::vector<std::string> names;
  for (const auto& p : classical_policies()) names.push_back(p.name);
  return names;
}

const ClassicalPolicy* find_classical_policy(std::string_view name) {
  for (const auto& p : classical_policies())
    if (p.name == name) return &p;
  return nullptr;
}

std::unique_ptr<Policy> make_classical_policy(const PolicySpec& spec, const ServiceParams& service) {
  const ClassicalPolicy* c = find_classical_policy(spec.name);
  if (!c) return nullptr;
  SpecReader r(spec);
  auto policy = c->make(r, service);
  r.finish();
  return policy;
}

}  // namespace autoscale
