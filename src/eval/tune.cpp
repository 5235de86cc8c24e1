#include "eval/tune.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "eval/policy_factory.hpp"
#include "eval/run_policies.hpp"
#include "policies/classical.hpp"

namespace autoscale {
namespace {

// Search coordinates live in [0, 1]^d; this maps them to parameter values.
double to_value(const TunableParam& p, double u) {
  u = std::clamp(u, 0.0, 1.0);
  double v = p.log_scale ? p.lo * std::pow(p.hi / p.lo, u) : p.lo + (p.hi - p.lo) * u;
  if (p.integer) v = std::round(v);
  return std::clamp(v, p.lo, p.hi);
}

// The tuned keys, then the start spec's other keys (`fixed`), which tuning leaves as they are.
std::string make_spec(const std::string& name, const std::vector<TunableParam>& params, const std::vector<double>& u,
                      const std::map<std::string, std::string>& fixed) {
  std::string spec = name;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const double v = to_value(params[i], u[i]);
    spec += (i == 0 ? ":" : ",") + params[i].key + "=" +
            (params[i].integer ? fmt::format("{}", static_cast<long long>(v)) : fmt::format("{:.5g}", v));
  }
  for (const auto& [k, v] : fixed) {
    const bool tuned = std::any_of(params.begin(), params.end(), [&](const TunableParam& p) { return p.key == k; });
    if (!tuned) spec += (spec == name ? ":" : ",") + k + "=" + v;
  }
  return spec;
}

// When `u` (the best value's place in the box) sits on an edge the limits allow past, moves that
// edge out by half the box and re-places `u`; returns what changed.
std::optional<std::string> widen(TunableParam& p, double& u) {
  const double value = to_value(p, u);
  const auto log_width = [&] { return std::sqrt(p.hi / p.lo); };
  if (u >= 0.98 && p.hi < p.limit_hi) {
    p.hi = std::min(p.limit_hi, p.log_scale ? p.hi * log_width() : p.hi + 0.5 * (p.hi - p.lo));
  } else if (u <= 0.02 && p.lo > p.limit_lo && !(p.log_scale && p.limit_lo <= 0)) {
    p.lo = std::max(p.limit_lo, p.log_scale ? p.lo / log_width() : p.lo - 0.5 * (p.hi - p.lo));
  } else {
    return std::nullopt;
  }
  u = p.log_scale ? std::log(value / p.lo) / std::log(p.hi / p.lo) : (value - p.lo) / (p.hi - p.lo);
  return fmt::format("{} box widened to [{:.5g}, {:.5g}]", p.key, p.lo, p.hi);
}

}  // namespace

TuneResult tune_policy(const Scenario& scenario, const TuneOptions& o,
                       const std::function<void(const TuneTrial&, int, bool)>& progress) {
  return tune_policy(std::vector<WeightedScenario>{{scenario, 1.0}}, o, progress);
}

TuneResult tune_policy(const std::vector<WeightedScenario>& mix, const TuneOptions& o,
                       const std::function<void(const TuneTrial&, int, bool)>& progress) {
  // A bare name starts from the defaults; a spec (`hpa:target=0.7,...`, an imported manifest)
  // starts from itself and keeps its keys that are not tuned.
  const PolicySpec start = parse_policy_spec(o.policy);
  const std::string& name = start.name;
  const ClassicalPolicy* policy = find_classical_policy(name);
  if (!policy) {
    throw Error(fmt::format("policy '{}' has no tunable parameters (tunable: {})", name,
                            fmt::join(classical_policy_names(), ", ")));
  }
  auto params = policy->tunables;
  if (o.budget < 1 || o.episodes < 1) throw Error("tune needs a budget and episodes of at least 1");
  const std::vector<int> shares = split_by_weight(mix, o.episodes);
  double reference = 0;
  for (const auto& m : mix) reference = std::max(reference, m.scenario.reference_load());
  for (auto& p : params) {
    if (!p.per_load) continue;
    p.lo *= reference;
    p.hi *= reference;
    p.limit_lo *= reference;
    p.limit_hi *= reference;
  }
  if (o.budget < 1 || o.episodes < 1) throw Error("tune needs a budget and episodes of at least 1");
  for (const auto& p : params) {
    if (p.log_scale && !(p.lo > 0)) throw Error(fmt::format("tunable {}.{}: log scale needs lo > 0", name, p.key));
  }
  const std::size_t d = params.size();
  Rng rng(o.search_seed);
  TuneResult result;
  std::vector<double> best_u;
  const auto evaluate = [&](const std::string& spec, const std::vector<double>& u) {
    const PolicySpec ps = parse_policy_spec(spec);
    double total = 0;
    int count = 0;
    for (std::size_t s = 0; s < mix.size(); ++s) {
      validate_policy(ps, mix[s].scenario);
      const auto runs = run_policies(mix[s].scenario, {ps}, o.first_seed, shares[s], o.threads);
      for (const auto& e : runs[0].episodes) {
        total += e.profit;
        ++count;
      }
    }
    const double mean = total / count;
    const TuneTrial trial{spec, mean};
    result.trials.push_back(trial);
    const bool improved = result.trials.size() == 1 || mean > result.best.mean_profit;
    if (improved) {
      result.best = trial;
      best_u = u;
    }
    if (progress) progress(trial, static_cast<int>(result.trials.size()) - 1, improved);
  };

  // The defaults (or the start spec) first: tuning never reports something worse than them.
  evaluate(start.text, std::vector<double>(d, -1.0));
  const int random_n = std::max(0, static_cast<int>(std::lround(0.6 * (o.budget - 1))));
  // Latin hypercube: each dimension's [0, 1] cut into random_n strata, one sample per stratum.
  std::vector<std::vector<double>> lhs(static_cast<std::size_t>(random_n), std::vector<double>(d));
  for (std::size_t j = 0; j < d; ++j) {
    std::vector<int> perm(static_cast<std::size_t>(random_n));
    for (int i = 0; i < random_n; ++i) perm[static_cast<std::size_t>(i)] = i;
    for (int i = random_n - 1; i > 0; --i) std::swap(perm[static_cast<std::size_t>(i)], perm[rng.below(static_cast<std::uint64_t>(i) + 1)]);
    for (int i = 0; i < random_n; ++i) lhs[static_cast<std::size_t>(i)][j] = (perm[static_cast<std::size_t>(i)] + rng.uniform()) / random_n;
  }
  for (const auto& u : lhs) evaluate(make_spec(name, params, u, start.args), u);

  const int local_n = o.budget - 1 - random_n;
  std::vector<int> widenings(d, 0);
  for (int i = 0; i < local_n; ++i) {
    if (best_u.empty() || best_u[0] < 0) {  // the defaults lead: search around the space's middle
      best_u.assign(d, 0.5);
    }
    for (std::size_t j = 0; j < d; ++j) {
      if (widenings[j] >= 3) continue;
      if (auto w = widen(params[j], best_u[j])) {
        ++widenings[j];
        result.widened.push_back(*w);
      }
    }
    const double sigma = 0.15 * std::pow(0.05 / 0.15, static_cast<double>(i) / std::max(1, local_n - 1));
    std::vector<double> u = best_u;
    for (auto& x : u) x = std::clamp(x + sigma * rng.normal(), 0.0, 1.0);
    evaluate(make_spec(name, params, u, start.args), u);
  }
  return result;
}

}  // namespace autoscale
