// A trace scenario cut in time into its past and its future (the future's episodes may reach back
// into the past for their unscored history).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "load/trace_load.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {

TraceSplit split_trace_scenario(const Scenario& s, double past_fraction, std::int64_t history, std::int64_t scored) {
  if (s.load.kind != LoadKind::kTrace || !s.load.series) {
    throw Error(fmt::format("scenario '{}': only a trace scenario can be split into past and future", s.name));
  }
  if (!(past_fraction > 0 && past_fraction < 1)) throw Error(fmt::format("split {} must be between 0 and 1", past_fraction));
  const auto n = static_cast<std::int64_t>(s.load.series->tpm.size());
  const auto split = static_cast<std::int64_t>(std::floor(past_fraction * static_cast<double>(n)));
  return split_trace_at(s, split, n, history, scored);
}

TraceSplit split_trace_at(const Scenario& s, std::int64_t split, std::int64_t future_end, std::int64_t history,
                          std::int64_t scored) {
  if (s.load.kind != LoadKind::kTrace || !s.load.series) {
    throw Error(fmt::format("scenario '{}': only a trace scenario can be split into past and future", s.name));
  }
  if (history < 0 || scored < 1) throw Error("split: history must be >= 0 minutes and scored >= 1 minute");
  const auto n = static_cast<std::int64_t>(s.load.series->tpm.size());
  if (future_end > n || future_end <= split) {
    throw Error(fmt::format("scenario '{}': a future of minutes {}..{} does not lie inside its {} minutes", s.name, split,
                            future_end, n));
  }
  // An episode plays episode_steps = max_time_steps + 1 minutes: its history, then `scored`.
  const std::int64_t episode = history + scored;
  if (split < episode || future_end - split < scored) {
    throw Error(fmt::format("scenario '{}': its {} minutes split at minute {} leave {} past and {} future minutes; an "
                            "episode needs {} ({} of history, {} scored): use a longer trace or another split",
                            s.name, n, split, split, future_end - split, episode, history, scored));
  }
  TraceSeries series = *s.load.series;
  if (s.load.trace.scale_to_p99) {
    // The factor the scenario applied came from its whole range; use the past's alone.
    const double p99 = trace_quantile(std::vector<double>(series.tpm.begin(), series.tpm.begin() + split), 0.99);
    if (p99 > 0) {
      for (double& v : series.tpm) v *= *s.load.trace.scale_to_p99 / p99;
    }
  }
  const auto part = [&](const std::string& suffix, std::int64_t from, std::int64_t to) {
    Scenario p = s;
    p.name = s.name + "-" + suffix;
    p.load.series = std::make_shared<const TraceSeries>(slice_trace(series, from, to));
    // The parts' series are scaled already: splitting a part again keeps its level.
    p.load.trace.scale.reset();
    p.load.trace.scale_to_p99.reset();
    p.load.trace_start = -1;
    p.service.history_minutes = history;
    p.service.max_time_steps = episode - 1;
    p.make_load();
    return p;
  };
  return {part("past", 0, split), part("future", std::max<std::int64_t>(0, split - history), future_end), split};
}

}  // namespace autoscale
