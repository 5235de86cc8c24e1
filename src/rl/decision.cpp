#include "rl/decision.hpp"

namespace autoscale::rl {

Decision decide(const ActionSpace& space, const Guardrail& guardrail, Stage stage, const int* choice, const Env& env,
                const Features& features, const BaseController& base) {
  const Action wanted = space.decode(choice, {env, features, base.fleet()});
  if (stage == Stage::kTraining && space.kind != ActionKind::kResidual) return {wanted, false};
  const Action floored = guardrail.apply_floor(wanted, env, features, base.fleet());
  return {floored, floored.add != wanted.add || floored.remove != wanted.remove};
}

}  // namespace autoscale::rl
