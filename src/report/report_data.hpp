#pragma once
// What a report shows, gathered from the files the other commands write, and the payload that
// carries it into the page: a JSON manifest plus one buffer of typed columns (report/packing.hpp).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/progress_csv.hpp"
#include "report/scenario_sample.hpp"
#include "report/trace_csv.hpp"

namespace autoscale::report {

inline constexpr int kReportFormatVersion = 1;

struct ReportInputs {
  nlohmann::json evaluation;  // as `autoscale evaluate --json` writes it (checked by check_evaluation)
  std::string evaluation_source;
  std::vector<EpisodeTrace> traces;
  std::optional<TrainingCurve> training;
  std::optional<ScenarioPicture> scenario;
  std::vector<std::string> notes;  // what the report lacks and why, shown on the page
};

// Where a report's inputs come from (the `autoscale report` options).
struct ReportSources {
  std::filesystem::path evaluation;
  std::optional<std::filesystem::path> traces;     // a minute-trace CSV or a directory of them
  std::optional<std::filesystem::path> train_dir;  // holds progress.csv
  // Built-in name or TOML file; when unset, the evaluation's "scenario_path" or built-in "scenario".
  std::optional<std::string> scenario;
  // Or the scenario itself and the evaluation's episodes (their windows), as a job that built
  // them in memory has them (`run`'s future, whose days are tiles of the trace).
  std::optional<Scenario> scenario_value;
  std::vector<EpisodePlan> episodes;
  TraceSelection selection;
  int load_samples = 3;  // load curves drawn for the scenario picture
};

// Reads and checks every input; errors name the file (and line or field).
ReportInputs gather_report_inputs(const ReportSources& sources);

// Throws Error naming `source` and the field if the JSON lacks what the report reads.
void check_evaluation(const nlohmann::json& evaluation, const std::string& source);

struct Payload {
  nlohmann::json manifest;
  std::string columns;  // the raw column buffer the manifest's descriptors point into
};
Payload build_payload(const ReportInputs& inputs);

// The manifest as it is embedded in a <script> element: JSON whose every '<' is written \u003c,
// so no text in it (a policy spec, a file name) can end the element.
std::string manifest_for_html(const nlohmann::json& manifest);

}  // namespace autoscale::report
