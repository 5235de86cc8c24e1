#include "pipeline/trace_job.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <map>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "eval/minute_trace.hpp"
#include "eval/policy_factory.hpp"
#include "formats/aws_policies.hpp"
#include "formats/manifest.hpp"
#include "pipeline/comparison.hpp"
#include "core/seed_ranges.hpp"
#include "pipeline/training.hpp"
#include "policies/classical.hpp"
#include "report/report_html.hpp"

namespace autoscale::pipeline {
namespace {

constexpr int kReportEpisodes = 3;  // future episodes whose minutes the report shows (three different days)
// The range of per-episode level factors the learned policy also trains on (log-uniform).
constexpr std::pair<double, double> kTrainingScale{0.3, 10.0};

// Scored minutes per tile and the hold-out's length for a past of `past` minutes: whole tiles, at
// least one.
struct HoldoutShape {
  std::int64_t tile = 0, tiles = 0, minutes = 0;
};
HoldoutShape holdout_shape(std::int64_t past, std::int64_t scored, double fraction) {
  HoldoutShape h;
  h.tile = scored;
  h.tiles = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(fraction * static_cast<double>(past) /
                                                                           static_cast<double>(h.tile))));
  h.minutes = h.tiles * h.tile;
  return h;
}

// The future's summaries, in role order: learned, the classical policies, then the bounds.
std::vector<PolicySpec> future_specs(const std::string& learned, const std::string& learned_base,
                                     const std::vector<TuneTrial>& tuned, const std::string& operator_spec,
                                     FutureRows& rows) {
  std::vector<PolicySpec> specs{parse_policy_spec(learned)};
  rows.learned = 0;
  for (const auto& t : tuned) {
    rows.classical.push_back(specs.size());
    specs.push_back(parse_policy_spec(t.spec));
  }
  // The learned policy's base, unless it is one of those already (tuned alike on both pasts).
  rows.learned_base = specs.size();
  for (const std::size_t row : rows.classical) {
    if (specs[row].text == learned_base) rows.learned_base = row;
  }
  if (rows.learned_base == specs.size()) specs.push_back(parse_policy_spec(learned_base));
  // The operator's own, unless tuning kept it as it was (then it is that row).
  if (!operator_spec.empty()) {
    const PolicySpec op = parse_policy_spec(operator_spec);
    for (std::size_t row = 0; row < specs.size(); ++row) {
      if (specs[row].text == op.text) rows.operator_baseline = row;
    }
    if (!rows.operator_baseline) {
      rows.operator_baseline = specs.size();
      specs.push_back(op);
    }
  }
  // oracle-window foresees every hour's traffic but not the order of its minutes: the share of
  // the gap to oracle-load that any forecast could close.
  rows.window = specs.size();
  specs.push_back(parse_policy_spec("oracle-window:minutes=60"));
  rows.oracle_load = specs.size();
  specs.push_back(parse_policy_spec("oracle-load"));
  specs.push_back(parse_policy_spec("oracle"));
  return specs;
}

// Tunes every classical policy on `scenario` with the job's budget, writing each best spec to
// `dir`; in classical_policy_names() order.
// `starts` maps a policy name to the spec its tuning starts from (the operator's own).
std::vector<TuneTrial> tune_all(const Scenario& scenario, const TraceJobOptions& o, const std::filesystem::path& dir,
                                const std::map<std::string, std::string>& starts, const Log& log) {
  std::vector<TuneTrial> tuned;
  for (const auto& name : classical_policy_names()) {
    TuneOptions t;
    const auto start = starts.find(name);
    t.policy = start == starts.end() ? name : start->second;
    t.episodes = o.tune_episodes;
    t.budget = o.tune_budget;
    t.threads = o.threads;
    const TuneResult r = tune_policy(scenario, t);
    write_file_atomic(dir / (name + ".spec"), fmt::format("# tuned by autoscale run on {} ({} candidates x {} episodes)\n"
                                                          "# mean training profit {:.1f}\n{}\n",
                                                          scenario.name, o.tune_budget, o.tune_episodes, r.best.mean_profit,
                                                          r.best.spec));
    log(fmt::format("    {:<16} {:>9.1f}  {}\n", name, r.best.mean_profit, r.best.spec));
    tuned.push_back(r.best);
  }
  return tuned;
}

// A Kubernetes object name (DNS-1123: lowercase letters, digits, '-', at most 63) for a scenario's
// name, which is also the AWS group name written when the operator gave no policy of their own.
std::string object_name(const std::string& scenario) {
  std::string n;
  for (char c : scenario) {
    const char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    if (ok) {
      n.push_back(l);
    } else if (!n.empty() && n.back() != '-') {
      n.push_back('-');
    }
  }
  while (!n.empty() && n.back() == '-') n.pop_back();
  if (n.size() > 63) n.resize(63);
  while (!n.empty() && n.back() == '-') n.pop_back();
  return n.empty() ? "service" : n;
}

// What `run` writes of the tuned classical policies in the operator's own format, next to
// baselines/*.spec: from an HPA or ScaledObject manifest the best tuned hpa as DIR/hpa.yaml
// (DIR/keda.yaml from a ScaledObject, and hpa.yaml as well when its sync period is the 15 s an
// HPA manifest implies), keeping the original's other fields; from AWS policies (@FILE.json) each
// tuned AWS-style policy as DIR/aws-<policy>.json, the calls that set it on the operator's group
// (the one of the original's type updating their policies in place); without either, all of
// them (hpa.yaml, keda.yaml, aws-<policy>.json) named for the scenario. Returns the verdict's
// `exports`: what was written, and for which tuned policies of that platform nothing was, and why.
nlohmann::json write_exports(const std::string& baseline, const std::vector<TuneTrial>& tuned, const Scenario& past,
                             const std::filesystem::path& out, const Log& log) {
  nlohmann::json written = nlohmann::json::array(), refused = nlohmann::json::array();
  const auto& names = classical_policy_names();
  const auto spec_of = [&](const std::string& name) -> const std::string& {
    return tuned[static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin())].spec;
  };
  // `imports_as`: the spec the file reads back as (every key written out).
  const auto wrote = [&](const std::string& spec, const char* format, const std::filesystem::path& file, const std::string& what) {
    written.push_back({{"policy", spec}, {"format", format}, {"file", file.string()},
                       {"imports_as", formats::expand_manifest_spec(fmt::format("@{}", file.string()), past.service)}});
    log(fmt::format("    {}: {}\n", what, file.string()));
  };
  const auto not_written = [&](const std::string& spec, const std::string& why) {
    refused.push_back({{"policy", spec}, {"why", why}});
    log(fmt::format("    not written: {} ({})\n", parse_policy_spec(spec).name, why));
  };
  if (formats::is_manifest_spec(baseline)) {
    const std::string original = baseline.substr(1);
    const std::string& hpa = spec_of("hpa");
    const auto kind = formats::import_manifest_file(original, past.service).kind;
    if (kind == formats::ManifestKind::kScaledObject) {
      write_file_atomic(out / "keda.yaml",
                        formats::export_manifest(hpa, {formats::ManifestKind::kScaledObject, "", original}, past.service));
      wrote(hpa, "keda", out / "keda.yaml", "the best tuned hpa as a ScaledObject from " + original);
      if (parse_policy_spec(hpa).args.at("sync") != "15") {
        not_written(hpa, "no hpa.yaml: the ScaledObject's pollingInterval is not the 15 s sync period an HPA manifest implies");
      } else {
        write_file_atomic(out / "hpa.yaml", formats::export_manifest(
                                                hpa, {formats::ManifestKind::kHpa, formats::manifest_name(original), ""},
                                                past.service));
        wrote(hpa, "hpa", out / "hpa.yaml", "the best tuned hpa as a HorizontalPodAutoscaler");
      }
    } else {
      write_file_atomic(out / "hpa.yaml", formats::export_manifest(hpa, {formats::ManifestKind::kHpa, "", original}, past.service));
      wrote(hpa, "hpa", out / "hpa.yaml", "the best tuned hpa as a HorizontalPodAutoscaler from " + original);
    }
  } else {
    // From AWS policies: onto the operator's group. Without an imported baseline every format,
    // named for the scenario (the operator renames the object or group before applying it).
    const bool aws = formats::is_aws_spec(baseline);
    const std::string original = aws ? baseline.substr(1) : "";
    std::string scenario = past.name;  // the past part's name is the trace scenario's + "-past"
    if (scenario.size() > 5 && scenario.ends_with("-past")) scenario.resize(scenario.size() - 5);
    const std::string name = aws ? "" : object_name(scenario);
    if (!aws) {
      const std::string& hpa = spec_of("hpa");
      write_file_atomic(out / "hpa.yaml", formats::export_manifest(hpa, {formats::ManifestKind::kHpa, name, ""}, past.service));
      wrote(hpa, "hpa", out / "hpa.yaml", fmt::format("the best tuned hpa as a HorizontalPodAutoscaler for '{}'", name));
      try {
        write_file_atomic(out / "keda.yaml",
                          formats::export_manifest(hpa, {formats::ManifestKind::kScaledObject, name, ""}, past.service));
        wrote(hpa, "keda", out / "keda.yaml", fmt::format("the best tuned hpa as a ScaledObject for '{}'", name));
      } catch (const Error& e) {
        not_written(hpa, e.what());
      }
    }
    for (const char* policy : {"target-tracking", "step", "simple", "predictive"}) {
      const std::string& spec = spec_of(policy);
      const auto file = out / fmt::format("aws-{}.json", policy);
      try {
        const std::string doc = formats::export_aws(spec, {name, original}, past.service);
        write_file_atomic(file, doc);
        wrote(spec, "aws", file,
              aws ? fmt::format("the tuned {} as AWS calls on the group of {}", policy, original)
                  : fmt::format("the tuned {} as AWS calls for a group '{}'", policy, name));
      } catch (const Error& e) {
        not_written(spec, e.what());
      }
    }
  }
  return {{"written", written}, {"not_written", refused}};
}

}  // namespace

std::int64_t minimum_trace_minutes(double past_fraction, std::int64_t history, std::int64_t scored, double holdout_fraction) {
  const auto fits = [&](std::int64_t n) {
    const auto past = static_cast<std::int64_t>(std::floor(past_fraction * static_cast<double>(n)));
    const HoldoutShape h = holdout_shape(past, scored, holdout_fraction);
    return past - h.minutes >= history + scored && n - past >= scored;
  };
  std::int64_t n = history + 3 * scored;
  while (!fits(n)) ++n;
  return n;
}

TraceJobResult run_trace_job(const TraceSplit& split, const TraceJobOptions& o, const Log& log) {
  TraceJobResult result;
  const Scenario& past = split.past;
  const std::int64_t history = past.service.history_minutes;
  const std::int64_t scored = past.service.episode_steps() - history;  // the split's `scored`
  const auto past_minutes = static_cast<std::int64_t>(past.load.series->tpm.size());
  const HoldoutShape holdout = holdout_shape(past_minutes, scored, o.holdout_fraction);
  if (past_minutes - holdout.minutes < past.service.episode_steps()) {
    throw Error(fmt::format("scenario '{}': a past of {} minutes cannot hold back {} minutes for the gate and still train on "
                            "an episode of {} minutes: use a longer trace or a later split",
                            past.name, past_minutes, holdout.minutes, past.service.episode_steps()));
  }
  const std::filesystem::path& out = o.out;
  std::filesystem::create_directories(out);
  // What a tile of scored minutes is called in messages.
  const std::string unit = scored == 1440 ? std::string("day") : fmt::format("{}-minute window", scored);

  // 1. Every classical policy, tuned on the whole past with one budget: what the operator would
  //    otherwise deploy is the best of them (the comparator, `baseline`).
  log(fmt::format("1/5 tuning {} classical policies on the past ({} candidates x {} episodes each)\n",
                  classical_policy_names().size(), o.tune_budget, o.tune_episodes));
  // The operator's own autoscaler, read and checked before any work.
  const std::string operator_spec =
      o.operator_baseline.empty() ? std::string() : formats::expand_manifest_spec(o.operator_baseline, past.service);
  std::map<std::string, std::string> starts;
  if (!operator_spec.empty()) {
    const PolicySpec ps = parse_policy_spec(operator_spec);
    validate_policy(ps, past);
    // A classical policy's tuning starts from the operator's own (an imported hpa, target-tracking,
    // step, simple or predictive): the keys it does not tune stay theirs.
    const bool classical = find_classical_policy(ps.name) != nullptr;
    if (classical) starts[ps.name] = ps.text;
    // On the operator's AWS group, the other AWS-style policies are tuned within its MinSize and
    // MaxSize too, as the calls run writes for them set them on that group.
    if (formats::is_aws_spec(o.operator_baseline)) {
      for (const char* name : {"target-tracking", "step", "simple", "predictive"}) {
        starts.emplace(name, fmt::format("{}:min={},max={}", name, ps.args.at("min"), ps.args.at("max")));
      }
    }
    log(fmt::format("    operator's baseline: {}{}\n", ps.text,
                    classical ? fmt::format(" (the {} is tuned starting from it)", ps.name) : std::string()));
  }
  result.tuned = tune_all(past, o, out / "baselines", starts, log);
  for (std::size_t i = 0; i < result.tuned.size(); ++i) {
    if (result.tuned[i].mean_profit > result.tuned[result.best].mean_profit) result.best = i;
  }
  const std::string& comparator = result.tuned[result.best].spec;
  const nlohmann::json exports = write_exports(o.operator_baseline, result.tuned, past, out, log);

  // 2. The learned policy's own base. Tuned on the same past, the classical policies' profits are
  //    near ties, and which one wins in sample says little about the next week (a backtest's
  //    folds pick a different one almost every time). So the learned policy stands on the one that
  //    did best out of sample: each is tuned again on the past without its held-out days, and
  //    judged on them.
  const std::int64_t holdout_start = past_minutes - holdout.minutes;
  const Scenario inner = split_trace_at(past, holdout_start, past_minutes, history, scored).past;
  const TiledEpisodes holdout_episodes = tile_episodes(past, holdout_start, past_minutes, o.holdout_replicates, seeds::kHoldout);
  if (o.base_selection == BaseSelection::kHoldout) {
    log(fmt::format("\n2/5 the learned policy's base: each classical policy tuned on the past but its last {} {}s, judged "
                    "on them\n",
                    holdout.tiles, unit));
    const std::vector<TuneTrial> inner_tuned = tune_all(inner, o, out / "baselines-inner", starts, log);
    std::vector<PolicySpec> candidates;
    for (const auto& t : inner_tuned) candidates.push_back(parse_policy_spec(t.spec));
    const auto held = summarize(run_policies(past, candidates, holdout_episodes.plans, o.threads));
    std::size_t pick = 0;
    for (std::size_t i = 0; i < held.size(); ++i) {
      log(fmt::format("    {:<16} {:>9.1f} per {} held out\n", classical_policy_names()[i], held[i].profit.mean, unit));
      result.base_selection.push_back({{"policy", held[i].spec}, {"holdout_profit", held[i].profit.mean}});
      if (held[i].profit.mean > held[pick].profit.mean) pick = i;
    }
    result.learned_base_spec = inner_tuned[pick].spec;
  } else {
    result.learned_base_spec = comparator;
  }

  // 3. The learned policy, trained on the past without its held-out days: on the past as it was
  //    and at other levels (kTrainingScale): traffic grows, and a policy that has only seen last
  //    month's level learns shortcuts (fleets so small that one machine more or less is free)
  //    that fail at next month's.
  rl::TrainOptions t;
  Scenario rescaled = inner;
  rescaled.name += "-rescaled";
  rescaled.load.trace.random_scale = kTrainingScale;
  t.scenarios = {{inner, 1.0}, {rescaled, 1.0}};
  t.config = o.config ? *o.config : rl::preset_config("trace");
  // A residual policy stands on the base chosen here, whatever a config file names.
  const bool residual = t.config.action.kind == rl::ActionKind::kResidual;
  if (residual) t.config.action.base_policy = result.learned_base_spec;
  log(fmt::format("\n3/5 training PPO ({}: {}{}) for {} steps on the past but its last {} {}s -> {}/\n",
                  o.config_label.empty() ? "'trace' preset" : o.config_label, t.config.action.name(),
                  residual ? " on " + result.learned_base_spec : std::string(), o.steps, holdout.tiles, unit, out.string()));
  t.seed = o.train_seed;
  t.total_steps = o.steps;
  t.out_dir = out;
  t.threads = o.threads;
  train_with_progress(t, log);
  result.learned_spec = "ppo:" + (out / "best").string();

  // 4. The gate, on the held-out days: the learned policy against what the operator would deploy.
  log(fmt::format("4/5 the gate: the learned policy against {} on the {} held-out {}s ({} episodes)\n", comparator,
                  holdout_episodes.tiles(), unit, holdout_episodes.plans.size()));
  const auto gate_summaries = summarize(run_policies(
      past, {parse_policy_spec(result.learned_spec), parse_policy_spec(comparator)}, holdout_episodes.plans, o.threads));
  result.gate = decide_gate(gate_summaries[0], gate_summaries[1], holdout_episodes, unit);
  result.deployed_spec = result.gate.deploy_learned ? result.learned_spec : comparator;
  log(fmt::format("    {}\n    deployed: {}\n\n", result.gate.reason, result.deployed_spec));
  write_file_atomic(out / "deployed.spec",
                    fmt::format("# the policy autoscale run deploys (evaluate --policies @FILE, serve --model FILE)\n"
                                "# gate: {}\n{}\n",
                                result.gate.reason, result.deployed_spec));

  // 5. Everything on the future, every day of it equally.
  const Scenario& future = split.future;
  const auto future_minutes = static_cast<std::int64_t>(future.load.series->tpm.size());
  const std::int64_t tiles = (future_minutes - history) / scored;
  const int replicates = std::max(1, static_cast<int>((o.episodes + std::max<std::int64_t>(tiles, 1) - 1) / std::max<std::int64_t>(tiles, 1)));
  result.future_episodes = tile_episodes(future, history, future_minutes, replicates, seeds::kEvaluation);
  const std::vector<PolicySpec> specs =
      future_specs(result.learned_spec, result.learned_base_spec, result.tuned, operator_spec, result.rows);
  result.rows.baseline = result.rows.classical[result.best];
  result.rows.deployed = result.gate.deploy_learned ? result.rows.learned : result.rows.baseline;
  const TiledEpisodes& fe = result.future_episodes;
  log(fmt::format("5/5 evaluating on the future: {} {}s x {} replicates = {} episodes (seeds {}..)\n\n", fe.tiles(), unit,
                  replicates, fe.plans.size(), seeds::kEvaluation));
  const auto t0 = std::chrono::steady_clock::now();
  MinuteTraceWriter traces(out / "traces.csv", static_cast<int>(fe.plans.size()), kReportEpisodes);
  result.future = summarize(run_policies(future, specs, fe.plans, o.threads, &traces));
  traces.commit();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log(format_table(result.future) + "\n");

  // The answer: the learned policy and the deployed one against the classical policy best on
  // the past (chosen before the future was seen), paired, day by day.
  const auto& s = result.future;
  const FutureRows& r = result.rows;
  const auto vs_baseline = [&](std::size_t row) {
    return compare(s[row].spec, s[row].profits, s[r.baseline].spec, s[r.baseline].profits, fe.tile);
  };
  const Comparison learned = vs_baseline(r.learned);
  const Comparison deployed = vs_baseline(r.deployed);
  nlohmann::json v = {{"learned", s[r.learned].spec},
                      {"learned_base", s[r.learned_base].spec},
                      {"base_selection", result.base_selection},
                      {"baseline", s[r.baseline].spec},
                      {"deployed", result.deployed_spec},
                      {"deployed_role", result.gate.deploy_learned ? "learned" : "baseline"},
                      {"gate", to_json(result.gate)},
                      {"learned_vs_baseline", to_json(learned)},
                      {"deployed_vs_baseline", to_json(deployed)},
                      {"learned_base_vs_baseline", to_json(vs_baseline(r.learned_base))}};
  std::string operator_line;
  if (r.operator_baseline) {
    const std::size_t op = *r.operator_baseline;
    const auto vs_operator = [&](std::size_t row) {
      return compare(s[row].spec, s[row].profits, s[op].spec, s[op].profits, fe.tile);
    };
    const Comparison learned_op = vs_operator(r.learned), deployed_op = vs_operator(r.deployed);
    v["operator_baseline"] = s[op].spec;
    v["learned_vs_operator"] = to_json(learned_op);
    v["deployed_vs_operator"] = to_json(deployed_op);
    v["baseline_vs_operator"] = to_json(vs_operator(r.baseline));
    operator_line = fmt::format("against the operator's own ({}): the learned policy earns {}; the deployed one {}.\n\n",
                                s[op].spec, describe(learned_op, unit), describe(deployed_op, unit));
  }
  v["exports"] = exports;
  for (const std::size_t bound : {r.oracle_load, r.window}) {
    const auto pct = gap_closed_pct(learned, s[r.baseline].profit.mean, s[bound].profit.mean);
    v["learned_vs_baseline"]["gap_closed_pct"][s[bound].spec] = pct ? nlohmann::json(*pct) : nlohmann::json(nullptr);
  }
  result.verdict = v;
  const auto pct = [](const nlohmann::json& p) { return p.is_null() ? std::string("n/a") : fmt::format("{:.0f} %", p.get<double>()); };
  log(fmt::format("answer: the learned policy earns {} against {} (the best classical policy on the past); it closes {} of "
                  "the gap to oracle-load and {} of the gap to {}.\n"
                  "deployed: {} ({}).\n\n",
                  describe(learned, unit), s[r.baseline].spec, pct(v["learned_vs_baseline"]["gap_closed_pct"]["oracle-load"]),
                  pct(v["learned_vs_baseline"]["gap_closed_pct"][s[r.window].spec]), s[r.window].spec,
                  result.gate.deploy_learned ? "the learned policy" : "the classical policy", result.gate.reason));
  log(operator_line);
  if (!exports["written"].empty()) {
    std::string files;
    for (const auto& w : exports["written"]) files += (files.empty() ? "" : ", ") + w["file"].get<std::string>();
    log(fmt::format("written in the operator's format: {}{}.\n\n", files,
                    exports["not_written"].empty() ? std::string()
                                                   : fmt::format(" (not {} more: the verdict's exports.not_written says why)",
                                                                 exports["not_written"].size())));
  }

  nlohmann::json evaluation = evaluation_document(
      {future.name, seeds::kEvaluation, static_cast<int>(fe.plans.size()), future.service.episode_steps(), secs}, s);
  // The future's days (tiles of scored minutes) and which one each episode replays.
  evaluation["tiles"] = {{"days", fe.tiles()}, {"replicates", replicates}, {"scored_minutes_per_day", fe.scored_per_tile},
                         {"episode_day", fe.tile}};
  evaluation["verdict"] = v;
  write_file_atomic(out / "evaluation.json", evaluation.dump(2) + "\n");
  if (o.write_report) {
    report::ReportSources sources{.evaluation = out / "evaluation.json", .traces = out / "traces.csv", .train_dir = out,
                                  .scenario = {}, .scenario_value = future, .episodes = fe.plans, .selection = {},
                                  .load_samples = kReportEpisodes};
    report::write_report(report::gather_report_inputs(sources), out / "report.html");
  }
  return result;
}

}  // namespace autoscale::pipeline
