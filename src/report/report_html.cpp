#include "report/report_html.hpp"

#include <fmt/format.h>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "report/assets.hpp"
#include "report/packing.hpp"
#include "report/page_template.hpp"

namespace autoscale::report {
namespace {

constexpr std::string_view kManifestOpen = R"(<script type="application/json" id="report-manifest">)";
constexpr std::string_view kColumnsOpen = R"(<script type="application/octet-stream" id="report-columns">)";
constexpr std::string_view kClose = "</script>";

std::string_view between(std::string_view html, std::string_view open, const char* what) {
  const auto b = html.find(open);
  if (b == std::string_view::npos) throw Error(fmt::format("report page has no {} element", what));
  const auto start = b + open.size();
  const auto e = html.find(kClose, start);
  if (e == std::string_view::npos) throw Error(fmt::format("report page's {} element is not closed", what));
  return html.substr(start, e - start);
}

}  // namespace

void write_report(const ReportInputs& inputs, const std::filesystem::path& out) {
  const Payload payload = build_payload(inputs);
  const std::string title = fmt::format("autoscale report: {}", inputs.evaluation.value("scenario", std::string("evaluation")));
  OutputFile file(out);
  render_template("report.html", file, [&](std::string_view key, OutputFile& f) {
    if (key == "TITLE") {
      f.write(html_escape(title));
    } else if (key == "UPLOT_CSS") {
      f.write(checked_inline("uPlot.min.css", "</style"));
    } else if (key == "REPORT_CSS") {
      f.write(checked_inline("report.css", "</style"));
    } else if (key == "UPLOT_JS") {
      f.write(checked_inline("uPlot.iife.min.js", "</script"));
    } else if (key == "REPORT_JS") {
      f.write(checked_inline("report.js", "</script"));
    } else if (key == "MANIFEST") {
      f.write(kManifestOpen);
      f.write(manifest_for_html(payload.manifest));
      f.write(kClose);
    } else if (key == "COLUMNS") {
      f.write(kColumnsOpen);
      f.write(base64_encode(zlib_compress(payload.columns)));
      f.write(kClose);
    } else {
      return false;
    }
    return true;
  });
  file.commit();
}

EmbeddedReport read_embedded_report(std::string_view html) {
  EmbeddedReport r;
  try {
    r.manifest = nlohmann::json::parse(between(html, kManifestOpen, "manifest"));
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(fmt::format("report page's manifest is not valid JSON: {}", e.what()));
  }
  r.columns = zlib_decompress(base64_decode(between(html, kColumnsOpen, "columns"), "report page's columns"));
  return r;
}

}  // namespace autoscale::report
