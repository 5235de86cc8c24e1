#include "scenario/scenario.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "core/error.hpp"
#include "load/trace_load.hpp"

namespace autoscale {

std::unique_ptr<LoadModel> Scenario::make_load() const {
  NotebookLoadParams notebook_params = load.notebook;
  notebook_params.max_tpm = service.max_tpm;
  switch (load.kind) {
    case LoadKind::kNotebook:
      return std::make_unique<NotebookLoad>(notebook_params);
    case LoadKind::kNotebookWeekly:
      return std::make_unique<WeeklyLoad>(notebook_params, load.weekly);
    case LoadKind::kNotebookEvents:
      return std::make_unique<EventLoad>(notebook_params, load.events);
    case LoadKind::kTrace: {
      std::optional<std::int64_t> start;
      if (load.trace_start >= 0) start = load.trace_start;
      auto trace = std::make_unique<TraceLoad>(load.series, start, service.episode_steps());
      if (load.trace.random_scale) trace->set_random_scale(load.trace.random_scale->first, load.trace.random_scale->second);
      return trace;
    }
  }
  throw Error("unknown load kind");
}

double Scenario::reference_load() const {
  std::vector<double> sample;
  if (load.kind == LoadKind::kTrace) {
    sample = load.series->tpm;
  } else {
    auto model = make_load();
    for (std::uint64_t seed = 0; seed < 4; ++seed) {
      model->reset(seed);
      for (std::int64_t m = 0; m < service.episode_steps(); ++m) sample.push_back(static_cast<double>(model->next()));
    }
  }
  return trace_quantile(std::move(sample), 0.99);
}

void Scenario::set_episode_minutes(std::int64_t minutes) {
  if (minutes < 1) throw Error("episode length must be at least 1 minute");
  service.max_time_steps = minutes - 1;
  make_load();
}

std::vector<std::string> builtin_scenario_names() {
  std::vector<std::string> names = kLoadKindNames.names();
  names.pop_back();  // "trace" needs a file
  return names;
}

Scenario resolve_scenario(const std::string& name) {
  for (const LoadKind k : {LoadKind::kNotebook, LoadKind::kNotebookWeekly, LoadKind::kNotebookEvents}) {
    if (name != to_string(k)) continue;
    Scenario s;
    s.name = name;
    s.load.kind = k;
    return s;
  }
  if (std::filesystem::exists(name)) return load_scenario_file(name);
  for (const char* part : {"#past", "#future"}) {
    const std::string_view suffix(part);
    if (name.size() <= suffix.size() || !name.ends_with(suffix)) continue;
    const std::string file = name.substr(0, name.size() - suffix.size());
    if (!std::filesystem::exists(file)) break;
    TraceSplit split = split_trace_scenario(load_scenario_file(file), SplitDefaults::past_fraction,
                                            SplitDefaults::history_minutes, SplitDefaults::scored_minutes);
    return suffix == "#past" ? std::move(split.past) : std::move(split.future);
  }
  std::string known;
  for (const auto& n : builtin_scenario_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error(fmt::format("scenario '{}' is neither a built-in name ({}) nor an existing file", name, known));
}

}  // namespace autoscale
