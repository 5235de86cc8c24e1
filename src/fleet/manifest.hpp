#pragma once
// A fleet of services, one `autoscale run` each: the manifest `fleet plan`, `fleet task` and
// `fleet merge` read. A tab-separated file with the header `service	scenario	config	seed`:
//   service   1-64 of [A-Za-z0-9._-], unique: the task's folder under --out
//   scenario  a built-in name or a scenario TOML file (relative to the manifest's folder)
//   config    a training config TOML (relative likewise), or - for run's default
//   seed      the training seed, or - for one derived from the service's name
// Seeds come from the row, never from the task index, so reordering rows or running them under
// another scheduler trains the same models.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace autoscale::fleet {

struct FleetRow {
  std::string service;
  std::string scenario;  // resolved: a file's path, or a built-in name
  // The row as written (its identity: a task is done for this row whatever folder the manifest is
  // read from).
  std::string scenario_cell, config_cell;
  std::optional<std::filesystem::path> config;
  std::uint64_t seed = 0;
  int line = 0;  // in the manifest, for messages
};

// Throws Error naming the file, line and field at fault.
std::vector<FleetRow> read_manifest(const std::filesystem::path& path);
std::vector<FleetRow> parse_manifest(const std::string& text, const std::string& source, const std::filesystem::path& base_dir);

// The seed of a row without one: FNV-1a of the service name, folded into the training seeds' range.
std::uint64_t derived_seed(const std::string& service);

// The row as written, with its seed (derived or given): what a finished task records.
nlohmann::json to_json(const FleetRow& row);

}  // namespace autoscale::fleet
