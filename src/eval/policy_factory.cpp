#include "eval/policy_factory.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/error.hpp"
#include "policies/classical.hpp"
#include "policies/oracle.hpp"
#include "rl/learned_policy.hpp"

namespace autoscale {

std::vector<std::string> known_policy_names() {
  std::vector<std::string> names = {"noop", "static"};
  for (auto& n : classical_policy_names()) names.push_back(n);
  for (const char* n : {"oracle", "oracle-load", "oracle-window", "ppo"}) names.push_back(n);
  return names;
}

PolicyKind policy_kind(const PolicySpec& spec) {
  if (spec.name == "ppo") return PolicyKind::kLearned;
  if (spec.name == "oracle" || spec.name == "oracle-load" || spec.name == "oracle-window") return PolicyKind::kOracle;
  return PolicyKind::kClassical;
}

std::unique_ptr<Policy> make_policy(const PolicySpec& s, const Scenario& scenario) {
  if (s.name == "noop") {
    expect_no_parameters(s);
    return std::make_unique<NoopPolicy>();
  }
  if (s.name == "static") {
    std::string n = s.positional;
    if (auto it = s.args.find("n"); it != s.args.end()) n = it->second;
    if (n.empty()) throw Error(fmt::format("policy '{}': static needs a machine count, e.g. static:40", s.text));
    return std::make_unique<StaticPolicy>(parse_spec_int(s.text, "machine count", n, 0, scenario.service.max_machines()));
  }
  if (s.name == "oracle" || s.name == "oracle-load") {
    expect_no_parameters(s);
    return std::make_unique<OraclePolicy>(s.name == "oracle");
  }
  if (s.name == "oracle-window") {
    SpecReader r(s);
    const int minutes = r.integer("minutes", 15, 1, 1440);
    r.finish();
    if (!s.positional.empty()) throw Error(fmt::format("policy '{}': expected oracle-window:minutes=N", s.text));
    return std::make_unique<OraclePolicy>(false, minutes);
  }
  if (s.name == "ppo") {
    if (s.positional.empty() || !s.args.empty()) {
      throw Error(fmt::format("policy '{}': expected ppo:PATH/TO/model", s.text));
    }
    return std::make_unique<rl::LearnedPolicy>(rl::load_agent_cached(s.positional), scenario.service);
  }
  if (auto p = make_classical_policy(s, scenario.service)) return p;
  throw Error(fmt::format("unknown policy '{}' (known: {})", s.name, fmt::join(known_policy_names(), ", ")));
}

void validate_policy(const PolicySpec& spec, const Scenario& scenario) { (void)make_policy(spec, scenario); }

}  // namespace autoscale
