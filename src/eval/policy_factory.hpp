#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/name_table.hpp"
#include "policies/policy.hpp"
#include "policies/spec.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {

// Every kind of policy a spec string can name: noop, static:N, the classical autoscalers, the
// oracles and trained models (ppo:PATH).
std::vector<std::string> known_policy_names();

// What a policy is, for tables, verdicts and reports: a classical rule, a trained model, or a
// clairvoyant bound (an oracle is a yardstick, never a rival). Decided here, from the spec the
// factory builds from, not guessed from a printed name elsewhere.
enum class PolicyKind { kClassical, kLearned, kOracle };
inline constexpr auto kPolicyKindNames = make_name_table<PolicyKind>(
    "policy kind", std::pair{PolicyKind::kClassical, "classical"}, std::pair{PolicyKind::kLearned, "learned"},
    std::pair{PolicyKind::kOracle, "oracle"});
PolicyKind policy_kind(const PolicySpec& spec);

// Creates a fresh policy instance (policies carry per-episode state: one per running episode).
std::unique_ptr<Policy> make_policy(const PolicySpec& spec, const Scenario& scenario);
// Throws a clear Error if the spec is malformed or names an unknown policy or parameter.
void validate_policy(const PolicySpec& spec, const Scenario& scenario);

}  // namespace autoscale
