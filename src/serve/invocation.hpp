#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/scenario.hpp"
#include "serve/model_registry.hpp"

namespace autoscale::serve {

// The current fleet a caller may send with an observation, so that the answer can say what to do
// (add, remove, desired fleet) and not only the network's choice.
struct FleetContext {
  std::optional<std::int64_t> load;  // needed by the "target" action (it scales with the load)
  int active = 0;
  int warming = 0;
};

// The observation lengths a model's /invocations accepts: its own input vector, and for a model
// with richer features than the seed's, also the seed's own observation (25 floats on `seed`: the
// notebook's EMAs and warm-up slots, what the seed's notebook sends). Such a seed observation is
// read back into the minute it describes (load, failures, active machines, warm-up queue), and the
// model's own vector is built from it as the stateful route builds it for a service's first report
// (an extended model keeps the caller's 25 values, history included, as its first 25).
struct ObservationShape {
  int model = 0;
  int seed = 0;  // 0 when the model's input already is the seed's observation
  bool accepts(std::size_t n) const { return static_cast<int>(n) == model || (seed > 0 && static_cast<int>(n) == seed); }
  std::string lengths() const;  // "39 (or the seed's 25)"
};
ObservationShape observation_shape(const rl::Agent& agent, const ServiceParams& service);

// POST /invocations, the SageMaker inference contract: observations the caller built itself, one
// per column of `obs` (the model's own input vector: 25 floats for a `--preset seed` model).
struct Invocation {
  std::vector<std::vector<float>> observations;
  std::vector<std::optional<FleetContext>> fleet;  // one per observation
};

// application/json: {"observation": [...], "load": L, "active": A, "warming": W} (fleet optional),
// a bare array [...], or {"instances": [[...] or {"observation": [...], "load", "active",
// "warming"}, ...]}. text/csv: one observation per line, optionally followed by load, active,
// warming. Throws HttpError 400 naming the problem (wrong length, non-finite value, ...).
Invocation parse_invocation_json(std::string_view body, const ObservationShape& shape);
Invocation parse_invocation_csv(std::string_view body, const ObservationShape& shape);

// Runs the model on every observation: normalization, actor, each head's most likely choice, and
// the action space's own decoding against a mirrored fleet when the caller sent one. Returns the
// start of a JSON object, {"predictions": [{"choice": [...], "add", "remove", "desired"}, ...]
// (add/remove when they can be known: always for the seed's action, for "target" with the load,
// never for "relative", whose decoding needs the service's history; desired with a fleet), for
// the caller to complete with its own members and the closing brace. No guardrail applies here:
// it needs the history that only the stateful route keeps.
std::string invoke(const LoadedModel& model, const Scenario& scenario, const Invocation& inv);

}  // namespace autoscale::serve
