// Scenario TOML files: [service] and [load] tables read with errors naming file, line and key.
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "config/toml_table.hpp"
#include "core/error.hpp"
#include "load/trace_load.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {
namespace {

constexpr double kHuge = 1e12;

// Which service keys were given whose defaults depend on the load's kind.
struct ServiceKeysGiven {
  bool zero_load_is_down = false, warmup_billed = false, max_time_steps = false;
};

ServiceKeysGiven read_service(TomlTable& r, ServiceParams& s) {
  ServiceKeysGiven given;
  r.number("warmup_latency", s.warmup_latency, 1, 1440);
  r.number("tpm_per_machine", s.tpm_per_machine, 0, kHuge, true);
  r.number("tpm_sigma", s.tpm_sigma, 0, kHuge);
  r.number("machine_cost", s.machine_cost, 0, kHuge);
  r.number("transaction_val", s.transaction_val, 0, kHuge);
  r.number("downtime_cost", s.downtime_cost, 0, kHuge);
  r.number("downtime_percent", s.downtime_percent, 0, 100);
  r.number("initial_machines", s.initial_machines, 0, 1e7);
  given.max_time_steps = r.raw("max_time_steps") != nullptr;
  r.number("max_time_steps", s.max_time_steps, 1, 1e9);
  r.number("max_machine_delta", s.max_machine_delta, 1, 1e5);
  r.number("max_tpm", s.max_tpm, 0, kHuge, true);
  given.zero_load_is_down = r.boolean("zero_load_is_down", s.zero_load_is_down);
  given.warmup_billed = r.boolean("warmup_billed", s.warmup_billed);
  r.number("history_minutes", s.history_minutes, 0, 1e9);
  r.finish();
  return given;
}

// A trace range bound: a minute index into the file's series or a timestamp.
TraceBound read_bound(TomlTable& r, const std::string& key) {
  const toml::node* n = r.raw(key);
  if (!n) return {};
  if (auto i = n->value_exact<std::int64_t>()) {
    if (*i < 0) r.fail(*n, key, "must be >= 0 (a minute index) or a timestamp string");
    return {*i, std::nullopt};
  }
  if (auto s = n->value_exact<std::string>()) return {std::nullopt, *s};
  r.fail(*n, key, "must be a minute index or a timestamp string");
}

// `key = [lo, hi]` with min <= lo <= hi <= max (min < lo when `lo_open`); returns whether it was
// given (absent leaves lo and hi as they were).
bool read_range(TomlTable& r, const std::string& key, double& lo, double& hi, double min, double max, bool lo_open = false) {
  const toml::node* n = r.raw(key);
  if (!n) return false;
  const toml::array* a = n->as_array();
  if (!a || a->size() != 2 || !(*a)[0].value<double>() || !(*a)[1].value<double>()) {
    r.fail(*n, key, fmt::format("must be [lo, hi], two numbers in [{}, {}]", min, max));
  }
  const double l = *(*a)[0].value<double>(), h = *(*a)[1].value<double>();
  if (!((lo_open ? l > min : l >= min) && h <= max && l <= h)) {
    r.fail(*n, key, fmt::format("needs {} {} lo <= hi <= {}", min, lo_open ? "<" : "<=", max));
  }
  lo = l;
  hi = h;
  return true;
}

void read_load(TomlTable& r, LoadSpec& l, const std::string& source, const std::filesystem::path& base_dir,
               const toml::table& t) {
  l.kind = r.choice("kind", kLoadKindNames).value_or(LoadKind::kNotebook);
  if (l.kind == LoadKind::kNotebookWeekly) {
    r.number("weekend_factor", l.weekly.weekend_factor, 0, 100);
    r.number("ramp_minutes", l.weekly.ramp_minutes, 1, 1440);
  } else if (l.kind == LoadKind::kNotebookEvents) {
    r.number("events_per_day", l.events.events_per_day, 0, 1440);
    read_range(r, "magnitude", l.events.magnitude_lo, l.events.magnitude_hi, 0, 1000);
    read_range(r, "ramp_up_minutes", l.events.ramp_up_lo, l.events.ramp_up_hi, 1, 1e5);
    read_range(r, "duration_minutes", l.events.duration_lo, l.events.duration_hi, 0, 1e5);
    read_range(r, "decay_minutes", l.events.decay_lo, l.events.decay_hi, 1, 1e5);
  } else if (l.kind == LoadKind::kTrace) {
    std::string path;
    if (!r.string("path", path)) throw Error(fmt::format("{}: [load] kind = \"trace\" needs path = \"FILE.csv\"", toml_where(source, t)));
    l.trace.path = std::filesystem::path(path).is_absolute() ? std::filesystem::path(path) : base_dir / path;
    r.string("column", l.trace.column);
    double v = 0;
    if (r.raw("scale")) { r.number("scale", v, 0, kHuge, true); l.trace.scale = v; }
    if (r.raw("scale_to_p99")) { r.number("scale_to_p99", v, 0, kHuge, true); l.trace.scale_to_p99 = v; }
    if (l.trace.scale && l.trace.scale_to_p99) {
      throw Error(fmt::format("{}: [load] give either scale or scale_to_p99, not both", toml_where(source, t)));
    }
    if (const toml::node* s = r.raw("start")) {
      if (auto i = s->value_exact<std::int64_t>()) {
        if (*i < 0) r.fail(*s, "start", "must be >= 0 (a minute index) or a timestamp string");
        l.trace.start_minute = *i;
      } else if (auto str = s->value_exact<std::string>()) {
        l.trace.start_time = *str;
      } else {
        r.fail(*s, "start", "must be a minute index or a timestamp string");
      }
    }
    if (double lo = 0, hi = 0; read_range(r, "random_scale", lo, hi, 0, kHuge, true)) {  // a per-episode factor
      l.trace.random_scale = std::make_pair(lo, hi);
    }
    l.trace.from = read_bound(r, "from");
    l.trace.to = read_bound(r, "to");
    r.number("max_gap_minutes", l.trace.max_gap_minutes, 0, 1e7);
    r.number("interval_seconds", l.trace.interval_seconds, 0, 1e7, true);
  }
  r.finish();
}

void load_trace_series(Scenario& s, bool episode_length_given) {
  if (s.load.kind != LoadKind::kTrace) return;
  auto series = std::make_shared<TraceSeries>(load_trace(s.load.trace));
  // Without an episode length of its own, a trace shorter than the seed's episode is one episode
  // long: `autoscale run` cuts its own episodes, and a 5-day trace must not fail before it does.
  const auto minutes = static_cast<std::int64_t>(series->tpm.size());
  if (!episode_length_given && minutes < s.service.episode_steps()) s.service.max_time_steps = minutes - 1;
  s.load.trace_start = resolve_start(*series, s.load.trace);
  s.load.series = std::move(series);
  s.make_load();  // fails now, with a clear message, if the trace is shorter than an episode
}

}  // namespace

Scenario parse_scenario_toml(std::string_view text, const std::string& source, const std::filesystem::path& base_dir) {
  const toml::table root = parse_toml(text, source);
  Scenario s;
  s.name = std::filesystem::path(source).stem().string();
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k == "name") {
      auto v = node.value_exact<std::string>();
      if (!v) throw Error(fmt::format("{}: name must be a string", toml_where(source, node)));
      s.name = *v;
    } else if (k == "description") {
      if (!node.is_string()) throw Error(fmt::format("{}: description must be a string", toml_where(source, node)));
    } else if (k == "service" || k == "load") {
      if (!node.is_table()) throw Error(fmt::format("{}: [{}] must be a table", toml_where(source, node), k));
    } else {
      throw Error(fmt::format("{}: unknown top-level key or table '{}' (known: name, description, [service], [load])",
                              toml_where(source, node), k));
    }
  }
  ServiceKeysGiven given;
  if (const toml::table* t = root["service"].as_table()) {
    TomlTable r(*t, source, "service");
    given = read_service(r, s.service);
  }
  if (s.service.initial_machines > s.service.max_machines()) {
    throw Error(fmt::format("{}: [service].initial_machines {} exceeds the fleet cap int(2.5 * max_tpm / tpm_per_machine) = {}",
                            source, s.service.initial_machines, s.service.max_machines()));
  }
  if (const toml::table* t = root["load"].as_table()) {
    TomlTable r(*t, source, "load");
    read_load(r, s.load, source, base_dir, *t);
  }
  if (s.load.kind == LoadKind::kTrace) {
    // In a real trace a zero is a logging gap or a quiet minute, not an outage.
    if (!given.zero_load_is_down) s.service.zero_load_is_down = false;
    // A real service pays for a machine from the minute it is ordered.
    if (!given.warmup_billed) s.service.warmup_billed = true;
  }
  if (s.service.history_minutes >= s.service.episode_steps()) {
    throw Error(fmt::format("{}: [service].history_minutes {} leaves no scored minute in an episode of {} minutes", source,
                            s.service.history_minutes, s.service.episode_steps()));
  }
  load_trace_series(s, given.max_time_steps);
  return s;
}

Scenario load_scenario_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot read scenario file {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_scenario_toml(ss.str(), path.string(), path.parent_path());
}

}  // namespace autoscale
