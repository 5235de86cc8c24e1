#pragma once
// Option checks whose messages read like the rest of the CLI's ("--episodes: must be at least 1,
// got 0"), instead of CLI11's numeric ranges ("Value 0 not in range 0.000000 to 1.797e308").
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <string>

#include "core/error.hpp"

namespace autoscale::cli {

inline CLI::Validator at_least(long long min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        long long v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size()) return fmt::format("must be a whole number, got '{}'", text);
        if (v < min) return fmt::format("must be at least {}, got {}", min, text);
        return {};
      },
      fmt::format("INT>={}", min));
}

// A CLI11 check from one of the parsers: their Error's message, which CLI11 prefixes with the option.
template <class Parse>
CLI::Validator parsed_by(Parse parse, std::string description) {
  return CLI::Validator(
      [parse](std::string& text) -> std::string {
        try {
          parse(text);
        } catch (const Error& e) {
          return e.what();
        }
        return {};
      },
      std::move(description));
}

}  // namespace autoscale::cli
