#pragma once
// Reading the project's TOML files (scenarios, training configs) one table at a time, with every
// error naming the file, line, table and key: "nasa.toml:7: [load].scale must be a number".
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/error.hpp"
#include "core/name_table.hpp"

namespace autoscale {

// Parses TOML text; a syntax error becomes Error("source:line: description").
toml::table parse_toml(std::string_view text, const std::string& source);

// "source:line" of a node (the source alone when the node has no position).
std::string toml_where(const std::string& source, const toml::node& node);

// Reads one table's keys with type and range checks; every key must be claimed by a read, and
// finish() rejects the rest, listing the known keys.
class TomlTable {
 public:
  TomlTable(const toml::table& t, std::string source, std::string table)
      : t_(t), source_(std::move(source)), table_(std::move(table)) {}

  // An integer or (for a floating-point `out`) a number in [lo, hi] (lo excluded when lo_open).
  // Returns whether the key was given.
  template <typename T>
  bool number(const std::string& key, T& out, double lo, double hi, bool lo_open = false) {
    const toml::node* n = claim(key);
    if (!n) return false;
    double v = 0;
    if (auto i = n->value_exact<std::int64_t>()) {
      v = static_cast<double>(*i);
    } else if (auto d = n->value_exact<double>(); d && std::is_floating_point_v<T>) {
      v = *d;
    } else {
      fail(*n, key, std::is_integral_v<T> ? "must be an integer" : "must be a number");
    }
    if (!(v >= lo && v <= hi) || (lo_open && v == lo)) {
      fail(*n, key, fmt::format("{} is out of range: must be {} {} and <= {}", v, lo_open ? ">" : ">=", lo, hi));
    }
    out = static_cast<T>(v);
    return true;
  }
  bool string(const std::string& key, std::string& out);
  bool boolean(const std::string& key, bool& out);
  // A string that selects behaviour: one of `names`, else an error listing them.
  std::optional<std::string> choice(const std::string& key, const std::vector<std::string>& names);
  // The same for an enum, through its name table.
  template <class E, std::size_t N>
  std::optional<E> choice(const std::string& key, const NameTable<E, N>& table) {
    const auto s = choice(key, table.names());
    return s ? std::optional<E>(table.parse(*s)) : std::nullopt;
  }
  // The node itself, for keys of several possible types.
  const toml::node* raw(const std::string& key) { return claim(key); }
  void finish() const;

  [[noreturn]] void fail(const toml::node& n, const std::string& key, const std::string& what) const;
  [[noreturn]] void fail(const std::string& what) const;  // about the table as a whole

 private:
  const toml::node* claim(const std::string& key);

  const toml::table& t_;
  std::string source_, table_;
  std::vector<std::string> seen_;
};

}  // namespace autoscale
