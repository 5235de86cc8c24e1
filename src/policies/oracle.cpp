#include "policies/oracle.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "core/error.hpp"
#include "service/outcome.hpp"

namespace autoscale {

EpisodeFuture realize_future(const Env& env) {
  const std::int64_t T = env.episode_steps();
  EpisodeFuture f;
  f.load.resize(static_cast<std::size_t>(T));
  f.z.resize(static_cast<std::size_t>(T));
  auto load = env.load_model().clone();
  load->reset(episode_load_seed(env.seed()));
  CapacityStream cap(env.seed());
  cap.next();  // the reset minute's draw
  for (std::int64_t t = 0; t < T; ++t) {
    f.load[static_cast<std::size_t>(t)] = load->next();
    f.z[static_cast<std::size_t>(t)] = cap.next();
  }
  return f;
}

int oracle_max_active(const ServiceParams& p, const EpisodeFuture& f, bool know_capacity) {
  int m = p.initial_machines;
  for (std::size_t t = 0; t < f.load.size(); ++t) {
    const double L = static_cast<double>(f.load[t]);
    // Past the need of the busiest minute, more machines only add cost: with known draws the
    // need is exact; in expectation, six standard deviations down leaves < 1e-9 chance of downtime.
    const double per = know_capacity ? p.tpm_per_machine + p.tpm_sigma * f.z[t] : p.tpm_per_machine - 6 * p.tpm_sigma;
    if (per <= 0) return p.max_machines();
    auto need = static_cast<std::int64_t>(std::ceil(L / per));
    if (know_capacity) {
      while (need > 0 && fleet_capacity(p, need - 1, f.z[t]) >= f.load[t]) --need;
      while (fleet_capacity(p, need, f.z[t]) < f.load[t] && need < p.max_machines()) ++need;
    }
    m = static_cast<int>(std::max<std::int64_t>(m, need));
  }
  return std::min(m, p.max_machines());
}

std::vector<double> oracle_rewards(const ServiceParams& p, const EpisodeFuture& f, bool know_capacity, int max_active) {
  const std::size_t width = static_cast<std::size_t>(max_active) + 1;
  std::vector<double> r(f.load.size() * width);
  for (std::size_t t = 0; t < f.load.size(); ++t) {
    double* row = r.data() + t * width;
    // Unscored history minutes are worth nothing to the plan: the bound is on the scored minutes.
    if (!p.scored(static_cast<std::int64_t>(t) + 1)) {
      std::fill(row, row + width, 0.0);
      continue;
    }
    for (int a = 0; a <= max_active; ++a) {
      // Warming machines' bills are charged by plan_fleet, on the moves that order them.
      row[a] = know_capacity ? minute_outcome(p, f.load[t], fleet_capacity(p, a, f.z[t]), a, 0).reward
                             : expected_minute_reward(p, f.load[t], a, 0);
    }
  }
  return r;
}

std::vector<double> window_rewards(const ServiceParams& p, const EpisodeFuture& f, int max_active, int window) {
  if (window < 1) throw Error("oracle-window: the window must be at least 1 minute");
  const std::size_t width = static_cast<std::size_t>(max_active) + 1, T = f.load.size();
  // Prefix sums over time of each fleet size's expected reward, every minute scored or not: a
  // history minute's load is still part of the traffic a window around a scored minute brings.
  std::vector<double> prefix((T + 1) * width, 0.0);
  for (std::size_t t = 0; t < T; ++t) {
    const double* before = prefix.data() + t * width;
    double* row = prefix.data() + (t + 1) * width;
    for (std::size_t a = 0; a < width; ++a) row[a] = before[a] + expected_minute_reward(p, f.load[t], static_cast<int>(a), 0);
  }
  const auto back = static_cast<std::size_t>(window / 2), ahead = static_cast<std::size_t>((window - 1) / 2);
  std::vector<double> r(T * width, 0.0);
  for (std::size_t t = 0; t < T; ++t) {
    if (!p.scored(static_cast<std::int64_t>(t) + 1)) continue;
    const std::size_t from = t >= back ? t - back : 0, to = std::min(T, t + ahead + 1);
    const double* hi = prefix.data() + to * width;
    const double* lo = prefix.data() + from * width;
    for (std::size_t a = 0; a < width; ++a) r[t * width + a] = (hi[a] - lo[a]) / static_cast<double>(to - from);
  }
  return r;
}

std::vector<int> plan_fleet(const ServiceParams& p, const std::vector<double>& reward, std::int64_t minutes,
                            int max_active) {
  const int A = max_active, D = p.max_machine_delta, L = p.warmup_latency;
  const auto width = static_cast<std::size_t>(A) + 1;
  if (reward.size() != static_cast<std::size_t>(minutes) * width) throw Error("oracle: reward table has the wrong size");
  if (p.initial_machines > A) throw Error("oracle: initial fleet above the planning range");
  // A machine that serves from minute u on was ordered at u - L and, when warm-up is billed, paid
  // for in minutes u - L .. u - 1 while it warmed (those that are scored): each machine the plan
  // adds at minute u costs order_cost(u).
  const auto order_cost = [&](std::int64_t u) {
    if (!p.warmup_billed) return 0.0;
    std::int64_t billed = 0;
    for (std::int64_t m = std::max<std::int64_t>(1, u - L); m < u; ++m) billed += p.scored(m) ? 1 : 0;
    return static_cast<double>(billed) * p.machine_cost;
  };
  // value[a] = best reward from minute t on, given a_t = a; choice[t][a] = the a_{t+1} that gets it.
  std::vector<double> value(width, 0.0), next_value(width, 0.0);
  std::vector<int> choice(static_cast<std::size_t>(minutes) * width, 0);
  for (std::int64_t t = minutes; t >= 1; --t) {
    const double* r = reward.data() + static_cast<std::size_t>(t - 1) * width;
    int* ch = choice.data() + static_cast<std::size_t>(t - 1) * width;
    const int up = t + 1 > L ? D : 0;  // may a_{t+1} exceed a_t?
    const double add_cost = order_cost(t + 1);
    for (int a = 0; a <= A; ++a) {
      double best = 0;
      int arg = a;
      if (t < minutes) {
        best = -std::numeric_limits<double>::infinity();
        for (int b = std::max(0, a - D), hi = std::min(A, a + up); b <= hi; ++b) {
          const double v = next_value[static_cast<std::size_t>(b)] - (b > a ? (b - a) * add_cost : 0.0);
          if (v > best) {
            best = v;
            arg = b;
          }
        }
      }
      value[static_cast<std::size_t>(a)] = r[a] + best;
      ch[a] = arg;
    }
    std::swap(value, next_value);
  }
  // next_value now holds minute 1's values; a_1 may not exceed a_0 (1 <= L unless L = 0).
  const int a0 = p.initial_machines;
  const int up1 = 1 > L ? D : 0;
  const double add_cost1 = order_cost(1);
  int a1 = a0;
  double best = -std::numeric_limits<double>::infinity();
  for (int b = std::max(0, a0 - D), hi = std::min(A, a0 + up1); b <= hi; ++b) {
    const double v = next_value[static_cast<std::size_t>(b)] - (b > a0 ? (b - a0) * add_cost1 : 0.0);
    if (v > best) {
      best = v;
      a1 = b;
    }
  }
  std::vector<int> plan(static_cast<std::size_t>(minutes) + 1);
  plan[0] = a0;
  plan[1] = a1;
  for (std::int64_t t = 1; t < minutes; ++t) {
    plan[static_cast<std::size_t>(t + 1)] = choice[static_cast<std::size_t>(t - 1) * width + static_cast<std::size_t>(plan[t])];
  }
  return plan;
}

OraclePolicy::OraclePolicy(bool know_capacity, int window) : know_capacity_(know_capacity), window_(window) {
  if (window < 1 || (know_capacity && window > 1)) {
    throw Error("oracle: a window of at least 1 minute, and wider than 1 only without knowing the capacity draws");
  }
}

void OraclePolicy::reset(const Env& env) {
  const ServiceParams& p = env.params();
  const EpisodeFuture f = realize_future(env);
  const int max_active = oracle_max_active(p, f, know_capacity_);
  plan_ = plan_fleet(p,
                     window_ > 1 ? window_rewards(p, f, max_active, window_) : oracle_rewards(p, f, know_capacity_, max_active),
                     env.episode_steps(), max_active);
}

Action OraclePolicy::act(const Env& env) {
  const auto s = static_cast<std::size_t>(env.info().minute + 1);  // the step about to be taken
  const auto L = static_cast<std::size_t>(env.params().warmup_latency);
  Action a;
  if (s < plan_.size()) a.remove = std::max(0, plan_[s - 1] - plan_[s]);
  if (s + L < plan_.size()) a.add = std::max(0, plan_[s + L] - plan_[s + L - 1]);
  return a;
}

}  // namespace autoscale
