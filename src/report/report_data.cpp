#include "report/report_data.hpp"

#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "eval/policy_factory.hpp"
#include "eval/stats.hpp"
#include "report/packing.hpp"

namespace autoscale::report {
namespace {

// A policy's kind as the evaluation wrote it; an evaluation written before kinds were recorded
// gets the factory's rule applied to its spec's name (eval/policy_factory.hpp).
PolicyKind kind_of(const nlohmann::json& p) {
  if (p.contains("kind") && p["kind"].is_string()) return kPolicyKindNames.parse(p["kind"].get<std::string>());
  const auto spec = p["policy"].get<std::string>();
  PolicySpec s;
  s.name = spec.substr(0, spec.find(':'));
  return policy_kind(s);
}

std::optional<Scenario> resolve_for_report(const ReportSources& src, const nlohmann::json& eval, std::vector<std::string>& notes) {
  if (src.scenario) return resolve_scenario(*src.scenario);
  if (eval.contains("scenario_path") && eval["scenario_path"].is_string()) {
    const auto path = eval["scenario_path"].get<std::string>();
    try {
      return resolve_scenario(path);
    } catch (const Error& e) {
      notes.push_back(fmt::format("The scenario file '{}' named by the evaluation could not be read ({}); pass "
                                  "--scenario to draw its loads.", path, e.what()));
      return std::nullopt;
    }
  }
  const auto name = eval.value("scenario", std::string());
  for (const auto& b : builtin_scenario_names()) {
    if (b == name) return resolve_scenario(name);
  }
  notes.push_back(fmt::format("Scenario '{}' is not built in and the evaluation names no scenario file; pass --scenario "
                              "FILE.toml to draw its loads.", name));
  return std::nullopt;
}

nlohmann::json pack_ints(ColumnPacker& p, const std::vector<std::int64_t>& v) { return p.add_ints(v); }

}  // namespace

void check_evaluation(const nlohmann::json& e, const std::string& source) {
  const auto fail = [&](const std::string& what) { throw Error(fmt::format("{}: {}", source, what)); };
  if (!e.is_object()) fail("not a JSON object (expected the output of `autoscale evaluate --json`)");
  if (!e.contains("policies") || !e["policies"].is_array() || e["policies"].empty()) fail("field 'policies' missing, not an array or empty");
  std::size_t episodes = 0;
  for (std::size_t i = 0; i < e["policies"].size(); ++i) {
    const auto& p = e["policies"][i];
    const auto where = fmt::format("policies[{}]", i);
    if (!p.is_object()) fail(where + ": not an object");
    if (!p.contains("policy") || !p["policy"].is_string()) fail(where + ": field 'policy' missing or not a string");
    for (const char* k : {"mean_profit", "downtime_minutes", "availability", "machine_minutes"}) {
      if (!p.contains(k) || !p[k].is_number()) fail(fmt::format("{}: field '{}' missing or not a number", where, k));
    }
    if (!p.contains("episode_profits") || !p["episode_profits"].is_array()) fail(where + ": field 'episode_profits' missing or not an array");
    for (const auto& v : p["episode_profits"]) {
      if (!v.is_number()) fail(where + ": 'episode_profits' holds a non-number");
    }
    if (i == 0) episodes = p["episode_profits"].size();
    if (p["episode_profits"].size() != episodes) {
      fail(fmt::format("{}: {} episode profits, policies[0] has {}", where, p["episode_profits"].size(), episodes));
    }
  }
  for (const char* k : {"first_seed", "episodes"}) {
    if (e.contains(k) && !e[k].is_number_integer()) fail(fmt::format("field '{}' is not an integer", k));
  }
}

ReportInputs gather_report_inputs(const ReportSources& src) {
  ReportInputs in;
  in.evaluation_source = src.evaluation.string();
  {
    std::ifstream f(src.evaluation);
    if (!f) throw Error(fmt::format("cannot open evaluation {}", src.evaluation.string()));
    try {
      in.evaluation = nlohmann::json::parse(f);
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(fmt::format("{}: not valid JSON: {}", src.evaluation.string(), e.what()));
    }
  }
  check_evaluation(in.evaluation, in.evaluation_source);
  if (src.traces) {
    in.traces = read_minute_traces(trace_files_in(*src.traces), src.selection);
    if (in.traces.empty()) in.notes.push_back(fmt::format("The minute traces in {} hold none of the selected episodes.", src.traces->string()));
  } else {
    in.notes.push_back("No minute traces were given (evaluate --trace-out FILE --keep-traces 3, then report --traces FILE): "
                       "no timelines.");
  }
  if (src.train_dir) {
    in.training = read_progress_csv(*src.train_dir / "progress.csv");
  } else {
    in.notes.push_back("No training directory was given (--train DIR with DIR/progress.csv): no training curve.");
  }
  if (src.scenario_value) {
    in.scenario = picture_scenario(*src.scenario_value, src.episodes, src.load_samples);
  } else if (const auto scenario = resolve_for_report(src, in.evaluation, in.notes)) {
    const auto first_seed = in.evaluation.value("first_seed", std::uint64_t{0});
    in.scenario = picture_scenario(*scenario, first_seed, src.load_samples);
  }
  return in;
}

Payload build_payload(const ReportInputs& in) {
  check_evaluation(in.evaluation, in.evaluation_source);
  Payload out;
  ColumnPacker cols;
  nlohmann::json m = {{"format", "autoscale-report"}, {"version", kReportFormatVersion}};
  m["evaluation"] = in.evaluation;
  for (auto& p : m["evaluation"]["policies"]) p["kind"] = kPolicyKindNames.name(kind_of(p));  // the page reads kinds
  m["evaluation_source"] = in.evaluation_source;
  m["notes"] = in.notes;

  // The reference the paired differences are taken against: the (first) learned policy, or else
  // the best non-oracle policy. "best" is the highest-earning non-oracle policy.
  const auto& policies = m["evaluation"]["policies"];
  std::string reference, best;
  double best_profit = -INFINITY;
  for (const auto& p : policies) {
    const auto spec = p["policy"].get<std::string>();
    const PolicyKind kind = kPolicyKindNames.parse(p["kind"].get<std::string>());
    if (reference.empty() && kind == PolicyKind::kLearned) reference = spec;
    if (kind != PolicyKind::kOracle && p["mean_profit"].get<double>() > best_profit) {
      best_profit = p["mean_profit"].get<double>();
      best = spec;
    }
  }
  const bool learned = !reference.empty();
  if (!learned) reference = best.empty() ? policies[0]["policy"].get<std::string>() : best;
  std::vector<double> ref_profits;
  for (const auto& p : policies) {
    if (p["policy"] == reference) ref_profits = p["episode_profits"].get<std::vector<double>>();
  }
  nlohmann::json paired = nlohmann::json::array();
  for (const auto& p : policies) {
    const auto profits = p["episode_profits"].get<std::vector<double>>();
    if (p["policy"] == reference || profits.size() < 2) {
      paired.push_back(nullptr);
      continue;
    }
    const MeanCi d = paired_diff_ci(profits, ref_profits);
    paired.push_back({{"mean", d.mean}, {"lo", d.lo()}, {"hi", d.hi()}});
  }
  m["derived"] = {{"reference", reference}, {"reference_is_learned", learned}, {"best", best}, {"paired_vs_reference", paired}};

  const auto first_seed = in.evaluation.value("first_seed", std::int64_t{0});
  // Minutes up to history_minutes are in the traces but not scored; the episode's profit and
  // downtime count the scored ones, as the evaluation does.
  const std::int64_t history = in.scenario ? in.scenario->history_minutes : 0;
  m["history_minutes"] = history;
  nlohmann::json traces = nlohmann::json::array();
  for (const auto& e : in.traces) {
    nlohmann::json je = {{"episode", e.episode},
                         {"seed", first_seed + e.episode},
                         {"first_minute", e.first_minute},
                         {"minutes", e.load.size()},
                         {"load", pack_ints(cols, e.load)}};
    nlohmann::json jp = nlohmann::json::array();
    for (const auto& p : e.policies) {
      double profit = 0;
      std::int64_t downtime = 0;
      for (std::size_t i = 0; i < p.reward.size(); ++i) {
        if (e.first_minute + static_cast<std::int64_t>(i) <= history) continue;
        profit += p.reward[i];
        downtime += p.down[i];
      }
      jp.push_back({{"policy", p.policy},
                    {"profit", profit},
                    {"downtime_minutes", downtime},
                    {"capacity", pack_ints(cols, p.capacity)},
                    {"active", pack_ints(cols, p.active)},
                    {"warming", pack_ints(cols, p.warming)},
                    {"down", pack_ints(cols, p.down)},
                    {"add", pack_ints(cols, p.add)},
                    {"remove", pack_ints(cols, p.remove)}});
    }
    je["policies"] = std::move(jp);
    traces.push_back(std::move(je));
  }
  m["traces"] = std::move(traces);

  if (in.training) {
    const auto& t = *in.training;
    m["training"] = {{"source", t.source.string()},
                     {"rows", t.steps.size()},
                     {"steps", cols.add_f64(t.steps)},
                     {"wall_seconds", cols.add_f64(t.wall_seconds)},
                     {"train_profit", cols.add_f64(t.train_profit)},
                     {"validation_profit", cols.add_f64(t.validation_profit)}};
  } else {
    m["training"] = nullptr;
  }

  if (in.scenario) {
    const auto& s = *in.scenario;
    nlohmann::json samples = nlohmann::json::array();
    for (const auto& x : s.samples) {
      samples.push_back({{"seed", x.seed}, {"load", pack_ints(cols, x.load)}});
      if (x.window_start) samples.back()["window_start"] = *x.window_start;
    }
    m["scenario"] = {{"name", s.name},
                     {"kind", s.kind},
                     {"minutes_per_episode", s.minutes_per_episode},
                     {"history_minutes", s.history_minutes},
                     {"samples", samples}};
    if (!s.trace_tpm.empty()) {
      m["scenario"]["trace"] = {{"source", s.trace_source}, {"tpm", cols.add_f32(s.trace_tpm)}};
      if (s.trace_start_epoch_seconds) m["scenario"]["trace"]["start_epoch_seconds"] = *s.trace_start_epoch_seconds;
    }
  } else {
    m["scenario"] = nullptr;
  }
  m["columns_bytes"] = cols.bytes().size();
  out.manifest = std::move(m);
  out.columns = cols.bytes();
  return out;
}

std::string manifest_for_html(const nlohmann::json& manifest) {
  const std::string text = manifest.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace autoscale::report
