#include "policies/spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>

#include "core/error.hpp"
#include "core/strings.hpp"

namespace autoscale {

int parse_spec_int(const std::string& spec, const std::string& what, const std::string& v, int lo, int hi) {
  int out = 0;
  const auto* end = v.data() + v.size();
  auto [p, ec] = std::from_chars(v.data(), end, out);
  if (ec != std::errc() || p != end || out < lo || out > hi) {
    throw Error(fmt::format("policy '{}': {} must be an integer in [{}, {}], got '{}'", spec, what, lo, hi, v));
  }
  return out;
}

void expect_no_parameters(const PolicySpec& s) {
  if (!s.args.empty() || !s.positional.empty()) {
    throw Error(fmt::format("policy '{}': {} takes no parameters", s.text, s.name));
  }
}

double SpecReader::number(const std::string& key, double fallback, double lo, double hi) {
  known_.push_back(key);
  const auto it = spec_.args.find(key);
  if (it == spec_.args.end()) return fallback;
  const std::string& v = it->second;
  double out = 0;
  const auto* end = v.data() + v.size();
  auto [p, ec] = std::from_chars(v.data(), end, out);
  if (ec != std::errc() || p != end || !(out >= lo && out <= hi)) {
    throw Error(fmt::format("policy '{}': {} must be a number in [{}, {}], got '{}'", spec_.text, key, lo, hi, v));
  }
  return out;
}

int SpecReader::integer(const std::string& key, int fallback, int lo, int hi) {
  known_.push_back(key);
  const auto it = spec_.args.find(key);
  if (it == spec_.args.end()) return fallback;
  return parse_spec_int(spec_.text, key, it->second, lo, hi);
}

std::string SpecReader::text(const std::string& key, const std::string& fallback) {
  known_.push_back(key);
  const auto it = spec_.args.find(key);
  return it == spec_.args.end() ? fallback : it->second;
}

void SpecReader::finish() const {
  if (!spec_.positional.empty()) {
    throw Error(fmt::format("policy '{}': expected key=value parameters, got '{}'", spec_.text, spec_.positional));
  }
  for (const auto& [k, v] : spec_.args) {
    if (std::find(known_.begin(), known_.end(), k) == known_.end()) {
      std::string known;
      for (const auto& n : known_) known += (known.empty() ? "" : ", ") + n;
      throw Error(fmt::format("policy '{}': unknown parameter '{}' for {} (known: {})", spec_.text, k, spec_.name,
                              known.empty() ? "none" : known));
    }
  }
}

std::string expand_spec(const std::string& text) {
  if (text.empty() || text[0] != '@') return text;
  const std::string path = text.substr(1);
  std::ifstream in(path);
  if (!in) throw Error(fmt::format("cannot read policy spec file '{}'", path));
  std::string line, last;
  while (std::getline(in, line)) {
    line = std::string(trim(line));
    if (!line.empty() && line[0] != '#') last = line;
  }
  if (last.empty()) throw Error(fmt::format("policy spec file '{}' holds no spec", path));
  return last;
}

PolicySpec parse_policy_spec(const std::string& raw) {
  PolicySpec s;
  s.text = std::string(trim(expand_spec(std::string(trim(raw)))));
  if (s.text.empty()) throw Error("empty policy spec");
  const auto colon = s.text.find(':');
  s.name = s.text.substr(0, colon);
  if (colon == std::string::npos) return s;
  const std::string rest = s.text.substr(colon + 1);
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    const auto comma = rest.find(',', pos);
    const std::string item(trim(std::string_view(rest).substr(pos, comma == std::string::npos ? std::string::npos : comma - pos)));
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      if (!s.positional.empty() || item.empty()) {
        throw Error(fmt::format("policy '{}': expected key=value, got '{}'", s.text, item));
      }
      s.positional = item;
    } else {
      const std::string key(trim(std::string_view(item).substr(0, eq)));
      if (key.empty() || s.args.count(key)) {
        throw Error(fmt::format("policy '{}': bad or repeated key in '{}'", s.text, item));
      }
      s.args[key] = std::string(trim(std::string_view(item).substr(eq + 1)));
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return s;
}

std::vector<std::string> split_policy_list(const std::string& list) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    const auto comma = list.find(',', pos);
    const std::string item(trim(std::string_view(list).substr(pos, comma == std::string::npos ? std::string::npos : comma - pos)));
    const bool continues = !out.empty() && item.find('=') != std::string::npos && item.find(':') == std::string::npos;
    if (continues) {
      out.back() += "," + item;
    } else if (!item.empty()) {
      out.push_back(item);
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

void read_fleet_limits(SpecReader& r, int max_machines, int min_floor, int& min_size, int& max_size) {
  min_size = r.integer("min", min_size, min_floor, max_machines);
  max_size = r.integer("max", max_machines, 1, max_machines);
  if (min_size > max_size) {
    throw Error(fmt::format("policy '{}': min ({}) exceeds max ({})", r.spec().text, min_size, max_size));
  }
}

}  // namespace autoscale
