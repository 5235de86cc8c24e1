#include "policies/step_scaling.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/error.hpp"

namespace autoscale {
namespace {

constexpr const char* kDefaultOut = "0>10pct|0.1>20pct|0.2>40pct|0.4>80pct";
constexpr const char* kDefaultIn = "0>10pct|0.15>25pct";

}  // namespace

void read_alarm_scaling_config(SpecReader& r, int max_machines, AlarmScalingConfig& c) {
  c.high = r.number("high", c.high, 0.01, 10);
  c.low = r.number("low", c.low, 0, 10);
  if (c.low >= c.high) {
    throw Error(fmt::format("policy '{}': low ({}) must be below high ({})", r.spec().text, c.low, c.high));
  }
  c.out_points = r.integer("out_points", c.out_points, 1, 60);
  c.in_points = r.integer("in_points", c.in_points, 1, 1440);
  c.min_step = r.integer("min_step", c.min_step, 0, 1000);
  read_fleet_limits(r, max_machines, 0, c.min_capacity, c.max_capacity);
}

std::vector<StepRow> parse_step_table(const std::string& spec_text, const std::string& key,
                                      const std::string& text) {
  std::vector<StepRow> rows;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto bar = text.find('|', pos);
    const std::string item = text.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos);
    const auto gt = item.find('>');
    if (gt == std::string::npos) {
      throw Error(fmt::format("policy '{}': {} rows are lower>adjustment (e.g. 0>10pct|0.1>3), got '{}'",
                              spec_text, key, item));
    }
    StepRow row;
    const std::string lower = item.substr(0, gt);
    const auto* end = lower.data() + lower.size();
    auto [p, ec] = std::from_chars(lower.data(), end, row.lower);
    if (ec != std::errc() || p != end || !(row.lower >= 0) || !std::isfinite(row.lower)) {
      throw Error(fmt::format("policy '{}': {} row '{}': the lower bound must be a number >= 0", spec_text,
                              key, item));
    }
    if (rows.empty() ? row.lower != 0 : row.lower <= rows.back().lower) {
      throw Error(fmt::format("policy '{}': {} rows must start at 0 and ascend strictly, got '{}'", spec_text,
                              key, text));
    }
    row.adjustment = parse_adjustment(spec_text, key, item.substr(gt + 1));
    rows.push_back(row);
    if (bar == std::string::npos) break;
    pos = bar + 1;
  }
  return rows;
}

const StepRow* step_row(const std::vector<StepRow>& table, double breach) {
  const StepRow* found = nullptr;
  for (const auto& row : table) {
    if (breach >= row.lower) found = &row;
  }
  return found;
}

StepScalingConfig read_step_config(SpecReader& r, int max_machines) {
  StepScalingConfig c;
  read_alarm_scaling_config(r, max_machines, c);
  c.out = parse_step_table(r.spec().text, "out", r.text("out", kDefaultOut));
  c.in = parse_step_table(r.spec().text, "in", r.text("in", kDefaultIn));
  return c;
}

void StepScalingPolicy::reset(const Env& env) {
  high_.reset();
  low_.reset();
  desired_ = env.fleet().active() + env.fleet().warming();
}

Action StepScalingPolicy::act(const Env& env) {
  if (before_first_datapoint(env)) return {};
  const double metric = utilization(env);
  const bool high = high_.update(metric > c_.high);
  const bool low = low_.update(metric < c_.low);
  const int current = env.fleet().active();  // current capacity: in-service machines only
  if (high) {
    const StepRow* row = step_row(c_.out, metric - c_.high);
    desired_ = std::max(desired_, current + adjustment_machines(row->adjustment, current, c_.min_step));
  } else if (low && env.fleet().warming() == 0) {
    const StepRow* row = step_row(c_.in, c_.low - metric);
    desired_ = std::min(desired_, current - adjustment_machines(row->adjustment, current, c_.min_step));
  }
  desired_ = std::clamp(desired_, c_.min_capacity, c_.max_capacity);
  return steer_ready_first(env, desired_);
}

SimpleScalingConfig read_simple_config(SpecReader& r, int max_machines) {
  SimpleScalingConfig c;
  read_alarm_scaling_config(r, max_machines, c);
  c.out = parse_adjustment(r.spec().text, "out", r.text("out", "30pct"));
  c.in = parse_adjustment(r.spec().text, "in", r.text("in", "10pct"));
  c.cooldown_s = r.integer("cooldown", c.cooldown_s, 0, 86400);
  return c;
}

void SimpleScalingPolicy::reset(const Env& env) {
  high_.reset();
  low_.reset();
  desired_ = env.fleet().active() + env.fleet().warming();
  in_activity_ = false;
  cooldown_until_ = 0;
}

Action SimpleScalingPolicy::act(const Env& env) {
  if (before_first_datapoint(env)) return {};
  const double metric = utilization(env);
  const bool high = high_.update(metric > c_.high);
  const bool low = low_.update(metric < c_.low);
  const std::int64_t minute = env.info().minute;
  const int have = env.fleet().active() + env.fleet().warming();
  if (in_activity_ && env.fleet().warming() == 0 && have == desired_) {
    in_activity_ = false;
    cooldown_until_ = minute + (c_.cooldown_s + 59) / 60;
  }
  if (!in_activity_ && minute >= cooldown_until_ && (high || low)) {
    const int before = desired_;
    if (high) {
      desired_ += adjustment_machines(c_.out, desired_, c_.min_step);
    } else {
      desired_ -= adjustment_machines(c_.in, desired_, c_.min_step);
    }
    desired_ = std::clamp(desired_, c_.min_capacity, c_.max_capacity);
    in_activity_ = desired_ != before;
  }
  return steer_ready_first(env, desired_);
}

}  // namespace autoscale
