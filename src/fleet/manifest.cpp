#include "fleet/manifest.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/seed_ranges.hpp"
#include "core/strings.hpp"

namespace autoscale::fleet {
namespace {

constexpr const char* kHeader = "service\tscenario\tconfig\tseed";

bool valid_service(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return s != "." && s != "..";
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> cells;
  std::size_t p = 0;
  for (;;) {
    const auto t = line.find('\t', p);
    cells.push_back(line.substr(p, t == std::string::npos ? std::string::npos : t - p));
    if (t == std::string::npos) return cells;
    p = t + 1;
  }
}

}  // namespace

std::uint64_t derived_seed(const std::string& service) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : service) h = (h ^ c) * 1099511628211ULL;
  return h % (seeds::kMaxTrainingSeed + 1);
}

std::vector<FleetRow> parse_manifest(const std::string& text, const std::string& source, const std::filesystem::path& base_dir) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  std::vector<FleetRow> rows;
  std::set<std::string> seen;
  bool header = false;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto where = [&](const std::string& field) { return fmt::format("{}:{}: {}", source, n, field); };
    if (!header) {
      if (line != kHeader) {
        throw Error(fmt::format("{}:{}: the first line must be the header 'service<TAB>scenario<TAB>config<TAB>seed', got '{}'",
                                source, n, line.substr(0, 80)));
      }
      header = true;
      continue;
    }
    const auto cells = split_tabs(line);
    if (cells.size() != 4) throw Error(fmt::format("{}:{}: {} tab-separated fields, the manifest has 4", source, n, cells.size()));
    FleetRow r;
    r.line = n;
    r.service = std::string(trim(cells[0]));
    if (!valid_service(r.service)) throw Error(where(fmt::format("service '{}' must be 1-64 of [A-Za-z0-9._-]", r.service)));
    if (!seen.insert(r.service).second) throw Error(where(fmt::format("service '{}' appears twice", r.service)));
    const std::string scenario(trim(cells[1]));
    r.scenario_cell = scenario;
    if (scenario.empty()) throw Error(where("scenario is empty"));
    // A file relative to the manifest, else a built-in name (resolved when the task runs).
    const auto as_file = std::filesystem::path(scenario).is_absolute() ? std::filesystem::path(scenario) : base_dir / scenario;
    r.scenario = std::filesystem::exists(as_file) ? as_file.string() : scenario;
    const std::string config(trim(cells[2]));
    r.config_cell = config;
    if (config.empty()) throw Error(where("config is empty (use - for run's default)"));
    if (config != "-") {
      const auto p = std::filesystem::path(config).is_absolute() ? std::filesystem::path(config) : base_dir / config;
      if (!std::filesystem::exists(p)) throw Error(where(fmt::format("config file '{}' does not exist", p.string())));
      r.config = p;
    }
    const std::string seed(trim(cells[3]));
    if (seed == "-") {
      r.seed = derived_seed(r.service);
    } else {
      const auto [end, ec] = std::from_chars(seed.data(), seed.data() + seed.size(), r.seed);
      if (seed.empty() || ec != std::errc() || end != seed.data() + seed.size() || r.seed > seeds::kMaxTrainingSeed) {
        throw Error(where(fmt::format("seed '{}' must be an integer in 0..{} or -", seed, seeds::kMaxTrainingSeed)));
      }
    }
    rows.push_back(std::move(r));
  }
  if (!header) throw Error(fmt::format("{}: no header line (service<TAB>scenario<TAB>config<TAB>seed)", source));
  if (rows.empty()) throw Error(fmt::format("{}: the manifest lists no service", source));
  return rows;
}

std::vector<FleetRow> read_manifest(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("cannot read manifest {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_manifest(ss.str(), path.string(), path.parent_path());
}

nlohmann::json to_json(const FleetRow& row) {
  return {{"service", row.service}, {"scenario", row.scenario_cell}, {"config", row.config_cell}, {"seed", row.seed}};
}

}  // namespace autoscale::fleet
