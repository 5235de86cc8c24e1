// Training mixes: scenarios with weights, and how a pool's environments are shared among them.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "core/error.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {

std::vector<int> split_by_weight(const std::vector<WeightedScenario>& mix, int total) {
  if (mix.empty()) throw Error("a mix needs at least one scenario");
  if (total < static_cast<int>(mix.size())) {
    throw Error(fmt::format("{} scenarios need at least as many environments or episodes, got {}", mix.size(), total));
  }
  double weights = 0;
  for (const auto& s : mix) {
    if (!(s.weight > 0) || !std::isfinite(s.weight)) {
      throw Error(fmt::format("scenario '{}': weight must be a positive number, got {}", s.scenario.name, s.weight));
    }
    weights += s.weight;
  }
  // One each, then the rest by largest remainder (ties to the earlier scenario).
  const int rest = total - static_cast<int>(mix.size());
  std::vector<int> n(mix.size(), 1);
  std::vector<std::pair<double, std::size_t>> remainder;
  int given = 0;
  for (std::size_t i = 0; i < mix.size(); ++i) {
    const double exact = rest * mix[i].weight / weights;
    n[i] += static_cast<int>(std::floor(exact));
    given += static_cast<int>(std::floor(exact));
    remainder.push_back({exact - std::floor(exact), i});
  }
  std::stable_sort(remainder.begin(), remainder.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (int k = 0; k < rest - given; ++k) n[remainder[static_cast<std::size_t>(k)].second] += 1;
  return n;
}

WeightedScenario resolve_weighted_scenario(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon != std::string::npos && !std::filesystem::exists(text)) {
    const std::string w = text.substr(colon + 1);
    double weight = 0;
    const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), weight);
    if (ec == std::errc() && end == w.data() + w.size()) {
      if (!(weight > 0) || !std::isfinite(weight)) {
        throw Error(fmt::format("scenario '{}': weight must be a positive number, got '{}'", text, w));
      }
      return {resolve_scenario(text.substr(0, colon)), weight};
    }
  }
  return {resolve_scenario(text), 1.0};
}

}  // namespace autoscale
