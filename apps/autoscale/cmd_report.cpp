#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "validators.hpp"
#include "core/error.hpp"
#include "report/png.hpp"
#include "report/report_html.hpp"

namespace autoscale::cli {
namespace {

struct ReportArgs {
  std::string eval, traces, train, scenario, out, png, chromium, png_window;
  std::vector<int> episodes;
  int max_episodes = 3;
  int load_samples = 3;
};

void make_report(const ReportArgs& a) {
  report::PngOptions o{.chromium = a.chromium, .width = 1200, .window = std::nullopt};
  if (!a.png_window.empty()) {
    double from = 0, to = 0;
    char colon = 0;
    std::istringstream in(a.png_window);
    if (!(in >> from >> colon >> to) || colon != ':' || !(in >> std::ws).eof() || !(from < to) || from < 0) {
      throw CLI::ValidationError("--png-window", "expects FROM:TO minutes with 0 <= FROM < TO, got '" + a.png_window + "'");
    }
    o.window = std::pair(from, to);
  }
  if (!a.png.empty() && a.out == "-") throw CLI::ValidationError("--png", "needs the report in a file (--out FILE), not on stdout");
  report::ReportSources src;
  src.evaluation = a.eval;
  if (!a.traces.empty()) src.traces = a.traces;
  if (!a.train.empty()) src.train_dir = a.train;
  if (!a.scenario.empty()) src.scenario = a.scenario;
  src.selection.episodes = a.episodes;
  src.selection.max_episodes = a.max_episodes;
  src.load_samples = a.load_samples;
  const auto inputs = report::gather_report_inputs(src);
  report::write_report(inputs, a.out);
  if (a.out != "-") fmt::print(stderr, "report: {}\n", std::filesystem::absolute(a.out).string());
  if (!a.png.empty()) {

    const auto files = report::render_pngs(a.out, a.png, o);
    for (const auto& f : files) fmt::print(stderr, "png: {}\n", f.string());
  }
}

}  // namespace

void add_report(CLI::App& app) {
  auto a = std::make_shared<ReportArgs>();
  CLI::App* c = app.add_subcommand("report", "One self-contained HTML page of an evaluation: summary, timelines, distributions, training curve");
  c->add_option("--eval", a->eval, "evaluation JSON (autoscale evaluate --json)")->required();
  c->add_option("--traces", a->traces, "minute-trace CSV (evaluate --trace-out) or a directory of them");
  c->add_option("--train", a->train, "training directory holding progress.csv");
  c->add_option("--scenario", a->scenario, "scenario for the load picture (default: the evaluation's)");
  c->add_option("--episodes", a->episodes, "episode indices to show from the traces (default: the first --max-episodes)")->delimiter(',');
  c->add_option("--max-episodes", a->max_episodes, "episodes kept from the traces when --episodes is not given")->capture_default_str()->check(at_least(1));
  c->add_option("--load-samples", a->load_samples, "load curves drawn for the scenario")->capture_default_str()->check(at_least(0));
  c->add_option("--out", a->out, "the HTML file to write ('-' = stdout)")->required();
  c->add_option("--png", a->png, "also write each figure as a PNG into this directory (headless Chromium)");
  c->add_option("--png-window", a->png_window, "with --png: draw the timelines for minutes FROM:TO of the episode");
  c->add_option("--chromium", a->chromium, "Chromium binary for --png (default: $AUTOSCALE_CHROMIUM or /usr/bin/chromium)");
  c->callback([a] { make_report(*a); });
}

}  // namespace autoscale::cli
