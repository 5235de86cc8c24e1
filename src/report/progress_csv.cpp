#include "report/progress_csv.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/strings.hpp"

namespace autoscale::report {
namespace {

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0;;) {
    const std::size_t j = s.find(',', i);
    out.push_back(trim(s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i)));
    if (j == std::string_view::npos) return out;
    i = j + 1;
  }
}

}  // namespace

TrainingCurve read_progress_csv(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot open training progress {}", file.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const auto fail = [&](std::int64_t line, const std::string& what) {
    throw Error(fmt::format("{}:{}: {}", file.string(), line, what));
  };

  constexpr std::array<const char*, 4> kNames{"steps", "wall_seconds", "train_episode_profit", "validation_profit"};
  std::array<std::size_t, 4> col{};
  TrainingCurve c;
  c.source = file;
  std::array<std::vector<double>*, 4> dest{&c.steps, &c.wall_seconds, &c.train_profit, &c.validation_profit};
  std::size_t width = 0;
  std::int64_t line_no = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t nl = text.find('\n', pos);
    ++line_no;
    if (nl == std::string::npos && line_no > 1) break;  // torn last row: training is writing it
    const std::string_view line = trim(std::string_view(text).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
    pos = nl == std::string::npos ? text.size() : nl + 1;
    const auto fields = split(line);
    if (line_no == 1) {
      width = fields.size();
      for (std::size_t k = 0; k < kNames.size(); ++k) {
        col[k] = width;
        for (std::size_t i = 0; i < fields.size(); ++i) {
          if (fields[i] == kNames[k]) col[k] = i;
        }
        if (col[k] == width) fail(1, fmt::format("no '{}' column: not a progress.csv of `autoscale train`", kNames[k]));
      }
      continue;
    }
    if (line.empty()) continue;
    if (fields.size() != width) fail(line_no, fmt::format("expected {} fields, found {}", width, fields.size()));
    for (std::size_t k = 0; k < kNames.size(); ++k) {
      const std::string_view f = fields[col[k]];
      double v = std::numeric_limits<double>::quiet_NaN();
      if (!f.empty()) {
        const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
        if (ec != std::errc() || end != f.data() + f.size() || !std::isfinite(v)) {
          fail(line_no, fmt::format("'{}' is not a number: '{}'", kNames[k], f));
        }
      } else if (k < 2) {
        fail(line_no, fmt::format("'{}' is empty", kNames[k]));
      }
      dest[k]->push_back(v);
    }
    if (c.steps.size() > 1 && c.steps.back() < c.steps[c.steps.size() - 2]) {
      fail(line_no, fmt::format("steps go backwards ({} after {})", c.steps.back(), c.steps[c.steps.size() - 2]));
    }
  }
  if (line_no == 0) fail(1, "empty file");
  return c;
}

}  // namespace autoscale::report
