#include "config/toml_table.hpp"

#include <fmt/ranges.h>

#include <algorithm>

namespace autoscale {

toml::table parse_toml(std::string_view text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw Error(fmt::format("{}:{}: {}", source, e.source().begin.line, e.description()));
  }
}

std::string toml_where(const std::string& source, const toml::node& node) {
  const auto& b = node.source().begin;
  return b.line ? fmt::format("{}:{}", source, b.line) : source;
}

const toml::node* TomlTable::claim(const std::string& key) {
  seen_.push_back(key);
  return t_.get(key);
}

bool TomlTable::string(const std::string& key, std::string& out) {
  const toml::node* n = claim(key);
  if (!n) return false;
  auto s = n->value_exact<std::string>();
  if (!s) fail(*n, key, "must be a string");
  out = *s;
  return true;
}

bool TomlTable::boolean(const std::string& key, bool& out) {
  const toml::node* n = claim(key);
  if (!n) return false;
  auto b = n->value_exact<bool>();
  if (!b) fail(*n, key, "must be true or false");
  out = *b;
  return true;
}

std::optional<std::string> TomlTable::choice(const std::string& key, const std::vector<std::string>& names) {
  const toml::node* n = claim(key);
  if (!n) return std::nullopt;
  const auto s = n->value_exact<std::string>();
  for (const std::string& name : names)
    if (s && *s == name) return *s;
  const std::string known = fmt::format("{}", fmt::join(names, ", "));
  if (!s) fail(*n, key, fmt::format("must be a string, one of: {}", known));
  fail(*n, key, fmt::format("'{}' is unknown (known: {})", *s, known));
}

void TomlTable::finish() const {
  for (const auto& [k, v] : t_) {
    if (std::find(seen_.begin(), seen_.end(), std::string(k.str())) == seen_.end()) {
      throw Error(fmt::format("{}: [{}] has unknown key '{}' (known: {})", toml_where(source_, v), table_, k.str(),
                              fmt::join(seen_, ", ")));
    }
  }
}

void TomlTable::fail(const toml::node& n, const std::string& key, const std::string& what) const {
  throw Error(fmt::format("{}: [{}].{} {}", toml_where(source_, n), table_, key, what));
}

void TomlTable::fail(const std::string& what) const {
  throw Error(fmt::format("{}: [{}] {}", toml_where(source_, t_), table_, what));
}

}  // namespace autoscale
