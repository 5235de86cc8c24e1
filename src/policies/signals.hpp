#pragma once
#include "env/env.hpp"

namespace autoscale {

// What the metric-driven classical policies read each minute, as their real counterparts do.

// Offered load per in-service machine as a fraction of its nominal capacity: the utilization the
// HPA reads from pod metrics and AWS from CloudWatch (warming machines report no metric). Offered,
// not served, load: a saturated fleet must still read as over target. +inf when no machine serves.
double utilization(const Env& env);

// Machines whose nominal capacity serves `load` at utilization `target`.
int machines_for(double load, double target, double tpm_per_machine);

// True at minute 0, the reset's zero-load evaluation: no CloudWatch datapoint or pod metric exists
// yet, so metric-driven policies neither count it in an alarm nor act on it.
inline bool before_first_datapoint(const Env& env) { return env.info().minute == 0; }

}  // namespace autoscale
