#pragma once
// The self-contained report page: the template from web/report/src with the chart library, the
// report's script and style, the manifest (JSON) and the compressed column buffer (base64) inlined.
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "report/report_data.hpp"

namespace autoscale::report {

// Writes the page atomically ("-" = stdout).
void write_report(const ReportInputs& inputs, const std::filesystem::path& out);

// What a page carries, read back from its HTML (the inverse of write_report's embedding).
struct EmbeddedReport {
  nlohmann::json manifest;
  std::string columns;  // decompressed column buffer
};
// Throws Error if the page lacks the embedded elements or they do not decode.
EmbeddedReport read_embedded_report(std::string_view html);

}  // namespace autoscale::report
