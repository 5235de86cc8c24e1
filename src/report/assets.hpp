#pragma once
// The page's front end, embedded into the binary at build time (cmake/embed_assets.cmake) so a
// report opens with no network and no files beside it: the chart library from web/report's
// node_modules and the report's own HTML template, JavaScript and CSS from web/report/src.
#include <string_view>

namespace autoscale::report {

// The named asset ("report.html", "report.js", "report.css", "fleet.html", "fleet.js", "uPlot.iife.min.js",
// "uPlot.min.css"); throws Error for an unknown name.
std::string_view asset(std::string_view name);

}  // namespace autoscale::report
