#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policies/policy.hpp"
#include "policies/spec.hpp"
#include "service/params.hpp"

namespace autoscale {

// The classical (rule-based) autoscalers, each registered once here with everything the rest of
// the project needs to know about it: its name, how a spec string builds it, and the box of
// parameters `autoscale tune` searches.

// One searchable parameter of a policy spec.
struct TunableParam {
  std::string key;
  double lo, hi;
  bool integer = false;
  bool log_scale = false;
  // The bounds are fractions of the scenario's reference load (its 99th-percentile tpm) rather
  // than absolute values: a reserve that suits a 9,000-tpm service is noise for a 90,000-tpm one.
  bool per_load = false;
  // How far `tune` may widen the box when the best value sits on its edge (the values the spec
  // accepts and that make sense), in the same units as lo and hi.
  double limit_lo = 0, limit_hi = 0;
};

struct ClassicalPolicy {
  std::string name;
  std::string summary;  // one line for --help and the README
  std::function<std::unique_ptr<Policy>(SpecReader&, const ServiceParams&)> make;
  std::vector<TunableParam> tunables;
};

// Kubernetes HPA, the AWS dynamic policies (target tracking, step, simple), AWS-style predictive
// scaling and the seed's headroom rule, in that order.
const std::vector<ClassicalPolicy>& classical_policies();
std::vector<std::string> classical_policy_names();
const ClassicalPolicy* find_classical_policy(std::string_view name);

// nullptr if spec.name is not a classical policy; throws Error on a bad parameter.
std::unique_ptr<Policy> make_classical_policy(const PolicySpec& spec, const ServiceParams& service);

}  // namespace autoscale
