#include "policies/spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>

#include "core/error.hpp"
#include "policies/classical.hpp"
#include "policies/learned.hpp"
#include "policies/oracle.hpp"
#include "scenario/scenario.hpp"

namespace autoscale {
namespace {

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

int parse_int(const std::string& spec, const std::string& what, const std::string& v, int lo, int hi) {
  int out = 0;
  const auto* end = v.data() + v.size();
  auto [p, ec] = std::from_chars(v.data(), end, out);
  if (ec != std::errc() || p != end || out < lo || out > hi) {
    throw Error(fmt::format("policy '{}': {} must be an integer in [{}, {}], got '{}'", spec, what, lo, hi, v));
  }
  return out;
}

void no_args(const PolicySpec& s) {
  if (!s.args.empty() || !s.positional.empty()) {
    throw Error(fmt::format("policy '{}': {} takes no parameters", s.text, s.name));
  }
}

}  // namespace

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
  return parse_int(spec_.text, key, it->second, lo, hi);
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
    line = trim(line);
    if (!line.empty() && line[0] != '#') last = line;
  }
  if (last.empty()) throw Error(fmt::format("policy spec file '{}' holds no spec", path));
  return last;
}

PolicySpec parse_policy_spec(const std::string& raw) {
  PolicySpec s;
  s.text = trim(expand_spec(trim(raw)));
  if (s.text.empty()) throw Error("empty policy spec");
  const auto colon = s.text.find(':');
  s.name = s.text.substr(0, colon);
  if (colon == std::string::npos) return s;
  const std::string rest = s.text.substr(colon + 1);
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    const auto comma = rest.find(',', pos);
    const std::string item = trim(rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      if (!s.positional.empty() || item.empty()) {
        throw Error(fmt::format("policy '{}': expected key=value, got '{}'", s.text, item));
      }
      s.positional = item;
    } else {
      const std::string key = trim(item.substr(0, eq));
      if (key.empty() || s.args.count(key)) {
        throw Error(fmt::format("policy '{}': bad or repeated key in '{}'", s.text, item));
      }
      s.args[key] = trim(item.substr(eq + 1));
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
    const std::string item = trim(list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
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

std::vector<std::string> known_policy_names() {
  std::vector<std::string> names = {"noop", "static", "oracle", "oracle-load", "ppo"};
  for (auto& n : classical_policy_names()) names.push_back(n);
  return names;
}

std::unique_ptr<Policy> make_policy(const PolicySpec& s, const Scenario& scenario) {
  if (s.name == "noop") {
    no_args(s);
    return std::make_unique<NoopPolicy>();
  }
  if (s.name == "static") {
    std::string n = s.positional;
    if (auto it = s.args.find("n"); it != s.args.end()) n = it->second;
    if (n.empty()) throw Error(fmt::format("policy '{}': static needs a machine count, e.g. static:40", s.text));
    return std::make_unique<StaticPolicy>(parse_int(s.text, "machine count", n, 0, scenario.service.max_machines()));
  }
  if (s.name == "oracle" || s.name == "oracle-load") {
    no_args(s);
    return std::make_unique<OraclePolicy>(s.name == "oracle");
  }
  if (s.name == "ppo") {
    if (s.positional.empty() || !s.args.empty()) {
      throw Error(fmt::format("policy '{}': expected ppo:PATH/TO/model", s.text));
    }
    return std::make_unique<LearnedPolicy>(load_agent_cached(s.positional), scenario.service);
  }
  if (auto p = make_classical_policy(s, scenario)) return p;
  std::string known;
  for (const auto& n : known_policy_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error(fmt::format("unknown policy '{}' (known: {})", s.name, known));
}

void validate_policy(const PolicySpec& spec, const Scenario& scenario) { (void)make_policy(spec, scenario); }

}  // namespace autoscale
