#pragma once
#include "env/env.hpp"

namespace autoscale {

// The two ways a policy that computes a desired fleet size turns it into this minute's
// (add, remove), within the per-minute limits. Queued orders cannot be cancelled in the seed's
// model, so the two differ only when the fleet must shrink while machines are still warming up.

// The seed's rule: steers active + warming toward `target`, removing serving machines at once
// when the fleet including its warming machines is too large.
Action steer_to(const Env& env, int target);

// Like a controller that deletes not-yet-ready machines first (the ReplicaSet controller; an ASG
// terminating pending instances): only serving machines beyond `desired` are removed now, and the
// surplus arrivals when they arrive. A shrinking target never takes serving machines away in
// favour of ones still warming up.
Action steer_ready_first(const Env& env, int desired);

}  // namespace autoscale
