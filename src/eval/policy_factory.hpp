#pragma once
#include <memory>
#include <string>
#include <vector>

#include "policies/policy.hpp"
#include "policies/spec.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {

// Every kind of policy a spec string can name: noop, static:N, the classical autoscalers, the
// oracles and trained models (ppo:PATH).
std::vector<std::string> known_policy_names();

// Creates a fresh policy instance (policies carry per-episode state: one per running episode).
std::unique_ptr<Policy> make_policy(const PolicySpec& spec, const Scenario& scenario);
// Throws a clear Error if the spec is malformed or names an unknown policy or parameter.
void validate_policy(const PolicySpec& spec, const Scenario& scenario);

}  // namespace autoscale
