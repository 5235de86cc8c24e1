#pragma once
#include <string_view>

namespace autoscale {

// `s` without leading and trailing spaces, tabs, carriage returns and newlines.
constexpr std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

}  // namespace autoscale
