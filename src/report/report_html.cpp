#include "report/report_html.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "report/assets.hpp"
#include "report/packing.hpp"

namespace autoscale::report {
namespace {

constexpr std::string_view kManifestOpen = R"(<script type="application/json" id="report-manifest">)";
constexpr std::string_view kColumnsOpen = R"(<script type="application/octet-stream" id="report-columns">)";
constexpr std::string_view kClose = "</script>";

// An asset inlined in a <script> or <style> element must not close it early.
std::string_view checked_inline(std::string_view name, std::string_view closing_tag) {
  const std::string_view text = asset(name);
  if (text.find(closing_tag) != std::string_view::npos) {
    throw Error(fmt::format("embedded asset {} contains '{}' and cannot be inlined", name, closing_tag));
  }
  return text;
}

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
  // The template holds one marker per inlined part; everything between markers is copied as is.
  const std::string_view tmpl = asset("report.html");
  OutputFile file(out);
  std::size_t pos = 0;
  while (pos < tmpl.size()) {
    const auto m = tmpl.find("{{", pos);
    if (m == std::string_view::npos) {
      file.write(tmpl.substr(pos));
      break;
    }
    const auto e = tmpl.find("}}", m);
    if (e == std::string_view::npos) throw Error("report.html template: unterminated marker");
    file.write(tmpl.substr(pos, m - pos));
    const std::string_view key = tmpl.substr(m + 2, e - m - 2);
    if (key == "TITLE") {
      std::string escaped;
      for (char c : title) {
        if (c == '<') {
          escaped.append("&lt;");
        } else if (c == '&') {
          escaped.append("&amp;");
        } else {
          escaped.push_back(c);
        }
      }
      file.write(escaped);
    } else if (key == "UPLOT_CSS") {
      file.write(checked_inline("uPlot.min.css", "</style"));
    } else if (key == "REPORT_CSS") {
      file.write(checked_inline("report.css", "</style"));
    } else if (key == "UPLOT_JS") {
      file.write(checked_inline("uPlot.iife.min.js", "</script"));
    } else if (key == "REPORT_JS") {
      file.write(checked_inline("report.js", "</script"));
    } else if (key == "MANIFEST") {
      file.write(kManifestOpen);
      file.write(manifest_for_html(payload.manifest));
      file.write(kClose);
    } else if (key == "COLUMNS") {
      file.write(kColumnsOpen);
      file.write(base64_encode(zlib_compress(payload.columns)));
      file.write(kClose);
    } else {
      throw Error(fmt::format("report.html template: unknown marker '{}'", key));
    }
    pos = e + 2;
  }
  file.commit();
}

EmbeddedReport read_embedded_report(std::string_view html) {
  EmbeddedReport r;
  try {
    r.manifest = nlohmann::json::parse(between(html, kManifestOpen, "manifest"));
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(fmt::format("report page's manifest is not valid JSON: {}", e.what()));
  }
  r.columns = zlib_decompress(base64_decode(between(html, kColumnsOpen, "columns")));
  return r;
}

}  // namespace autoscale::report
