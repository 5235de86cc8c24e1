#include "report/scenario_sample.hpp"

#include <algorithm>

#include "load/trace_load.hpp"

namespace autoscale::report {
ScenarioPicture picture_scenario(const Scenario& scenario, std::uint64_t first_seed, int count) {
  std::vector<EpisodePlan> episodes(static_cast<std::size_t>(std::max(count, 0)));
  for (std::size_t k = 0; k < episodes.size(); ++k) episodes[k].seed = first_seed + k;
  return picture_scenario(scenario, episodes, count);
}

ScenarioPicture picture_scenario(const Scenario& scenario, const std::vector<EpisodePlan>& episodes, int count) {
  ScenarioPicture pic;
  pic.name = scenario.name;
  pic.kind = to_string(scenario.load.kind);
  pic.minutes_per_episode = scenario.service.episode_steps();
  pic.history_minutes = scenario.service.history_minutes;
  for (std::size_t k = 0; k < episodes.size() && k < static_cast<std::size_t>(count); ++k) {
    LoadSample s;
    s.seed = episodes[k].seed;
    Scenario windowed = scenario;
    if (episodes[k].trace_start >= 0) windowed.load.trace_start = episodes[k].trace_start;
    Env env = windowed.make_env();
    env.reset(s.seed);
    if (const auto* trace = dynamic_cast<const TraceLoad*>(&env.load_model())) s.window_start = trace->window_start();
    s.load.reserve(static_cast<std::size_t>(pic.minutes_per_episode));
    for (std::int64_t m = 0; m < pic.minutes_per_episode; ++m) s.load.push_back(env.step(Action{}).info.load);
    pic.samples.push_back(std::move(s));
  }
  if (scenario.load.series) {
    pic.trace_tpm = scenario.load.series->tpm;
    pic.trace_source = scenario.load.series->source;
    pic.trace_start_epoch_seconds = scenario.load.series->start_epoch_seconds;
  }
  return pic;
}

}  // namespace autoscale::report
