#pragma once
#include <map>
#include <string>
#include <vector>

namespace autoscale {

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

// An integer parameter's text `v` in [lo, hi]; throws Error naming the spec and `what`.
int parse_spec_int(const std::string& spec_text, const std::string& what, const std::string& v, int lo, int hi);
// Throws Error if the spec has any parameter.
void expect_no_parameters(const PolicySpec& spec);

// Reads `@FILE` (the spec is the file's last non-empty line) or returns the text itself.
std::string expand_spec(const std::string& text);
PolicySpec parse_policy_spec(const std::string& text);
// Splits a comma-separated list of specs, keeping `name:k=v,k=v` together (a new spec starts at
// an item that is not `key=value`).
std::vector<std::string> split_policy_list(const std::string& list);

// Reads the `min` and `max` fleet-size keys the classical policies share: min in
// [min_floor, max_machines] (default: `min_size` as given), max in [1, max_machines] (default:
// max_machines), min <= max.
void read_fleet_limits(SpecReader& r, int max_machines, int min_floor, int& min_size, int& max_size);

}  // namespace autoscale
