#include "report/fleet_html.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "report/page_template.hpp"
#include "report/report_data.hpp"

namespace autoscale::report {
namespace {

constexpr std::string_view kFleetOpen = R"(<script type="application/json" id="fleet-data">)";
constexpr std::string_view kClose = "</script>";

}  // namespace

void write_fleet_report(const nlohmann::json& fleet, const std::filesystem::path& out) {
  const std::string title = fmt::format("autoscale fleet: {} services", fleet.value("tasks", std::size_t{0}));
  OutputFile file(out);
  render_template("fleet.html", file, [&](std::string_view key, OutputFile& f) {
    if (key == "TITLE") {
      f.write(html_escape(title));
    } else if (key == "REPORT_CSS") {
      f.write(checked_inline("report.css", "</style"));
    } else if (key == "FLEET_JS") {
      f.write(checked_inline("fleet.js", "</script"));
    } else if (key == "FLEET") {
      f.write(kFleetOpen);
      f.write(manifest_for_html(fleet));  // escapes what would end the element
      f.write(kClose);
    } else {
      return false;
    }
    return true;
  });
  file.commit();
}

nlohmann::json read_embedded_fleet(std::string_view html) {
  const auto b = html.find(kFleetOpen);
  if (b == std::string_view::npos) throw Error("fleet page has no fleet-data element");
  const auto start = b + kFleetOpen.size();
  const auto e = html.find(kClose, start);
  if (e == std::string_view::npos) throw Error("fleet page's fleet-data element is not closed");
  try {
    return nlohmann::json::parse(html.substr(start, e - start));
  } catch (const nlohmann::json::parse_error& err) {
    throw Error(fmt::format("fleet page's data is not valid JSON: {}", err.what()));
  }
}

}  // namespace autoscale::report
