#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "policies/policy.hpp"

namespace autoscale {

struct Scenario;

// A parsed policy spec string `name:key=value,...` (or `static:N`).
struct PolicySpec {
  std::string text;  // as given (after @FILE expansion)
  std::string name;
  std::string positional;                    // `static:N` -> "N"
  std::map<std::string, std::string> args;  // key=value pairs
};

// Reads a spec's key=value parameters with defaults and range checks; finish() rejects any key
// that no read asked for, naming the known ones.
class SpecReader {
 public:
  explicit SpecReader(const PolicySpec& spec) : spec_(spec) {}
  double number(const std::string& key, double fallback, double lo, double hi);
  int integer(const std::string& key, int fallback, int lo, int hi);
  std::string text(const std::string& key, const std::string& fallback);
  void finish() const;
  const PolicySpec& spec() const { return spec_; }

 private:
  const PolicySpec& spec_;
  std::vector<std::string> known_;
};

// Reads `@FILE` (the spec is the file's last non-empty line) or returns the text itself.
std::string expand_spec(const std::string& text);
PolicySpec parse_policy_spec(const std::string& text);
// Splits a comma-separated list of specs, keeping `name:k=v,k=v` together (a new spec starts at
// an item that is not `key=value`).
std::vector<std::string> split_policy_list(const std::string& list);

// Creates a fresh policy instance (policies carry per-episode state: one per running episode).
std::unique_ptr<Policy> make_policy(const PolicySpec& spec, const Scenario& scenario);
// Throws a clear Error if the spec is malformed or names an unknown policy or parameter.
void validate_policy(const PolicySpec& spec, const Scenario& scenario);

std::vector<std::string> known_policy_names();

}  // namespace autoscale
