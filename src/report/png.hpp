#pragma once
// PNG images of a report's figures, drawn by the page's own charts in headless Chromium, for
// READMEs and issues.
#include <filesystem>
#include <optional>
#include <utility>
#include <string>
#include <vector>

namespace autoscale::report {

struct PngOptions {
  std::filesystem::path chromium;  // empty: $AUTOSCALE_CHROMIUM, else /usr/bin/chromium
  int width = 1200;                // CSS pixels
  // The time window of the timeline figures, in minutes of the episode; unset = the whole episode.
  std::optional<std::pair<double, double>> window;
};

// Renders every figure of the report page at `report_html` into `dir`/<figure>.png (the summary
// table, the scenario, each policy's timeline, the distributions, the training curve) and returns
// the files written. Chromium opens the page once to measure each figure's height, then once per
// figure with the window sized to it. Throws Error naming the step that failed.
std::vector<std::filesystem::path> render_pngs(const std::filesystem::path& report_html, const std::filesystem::path& dir,
                                               const PngOptions& options = {});

}  // namespace autoscale::report
