#pragma once
// One name table per enum: the user-facing names of its values, in one place, used for parsing,
// printing, the allowed-value lists of options and config keys, and the errors that list them.
#include <fmt/format.h>

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace autoscale {

template <class E, std::size_t N>
struct NameTable {
  std::string_view what;  // "feature set", for "unknown feature set 'x' (known: ...)"
  std::array<std::pair<E, std::string_view>, N> entries;

  std::string name(E value) const {
    for (const auto& [v, n] : entries)
      if (v == value) return std::string(n);
    return "?";
  }
  bool contains(std::string_view name) const {
    for (const auto& e : entries)
      if (e.second == name) return true;
    return false;
  }
  // Throws Error "unknown <what> '<name>' (known: a, b, c)".
  E parse(std::string_view name) const {
    for (const auto& [v, n] : entries)
      if (n == name) return v;
    throw Error(fmt::format("unknown {} '{}' (known: {})", what, name, known()));
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : entries) out.emplace_back(e.second);
    return out;
  }
  std::string known() const { return fmt::format("{}", fmt::join(names(), ", ")); }
};

template <class E, class... Entries>
constexpr auto make_name_table(std::string_view what, Entries... entries) {
  return NameTable<E, sizeof...(Entries)>{what, {std::pair<E, std::string_view>(entries)...}};
}

}  // namespace autoscale
