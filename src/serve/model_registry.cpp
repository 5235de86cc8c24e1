#include "serve/model_registry.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "eval/policy_factory.hpp"
#include "rl/learned_policy.hpp"
#include "serve/text_file.hpp"

namespace autoscale::serve {

std::unique_ptr<Policy> LoadedModel::make_policy(const Scenario& scenario) const {
  if (!classical_spec.empty()) return autoscale::make_policy(parse_policy_spec(classical_spec), scenario);
  return autoscale::make_policy(parse_policy_spec("ppo:" + snapshot.string()), scenario);
}

ModelRegistry::ModelRegistry(std::map<std::string, std::string> paths, std::filesystem::path snapshot_dir,
                             const Scenario& scenario)
    : paths_(std::move(paths)), snapshot_dir_(std::move(snapshot_dir)), scenario_(scenario) {
  const std::string dir = snapshot_dir_.string();
  if (dir.find_first_of(",=") != std::string::npos) {
    throw Error(fmt::format("model snapshot directory '{}' must not contain ',' or '='", dir));
  }
  std::filesystem::create_directories(snapshot_dir_);
  for (const auto& [name, path] : paths_) models_[name] = load(name, path, 1);
}

std::shared_ptr<const LoadedModel> ModelRegistry::load(const std::string& name, const std::string& path,
                                                       std::int64_t generation) const {
  std::string model_path = path;
  if (std::filesystem::path(path).extension() == ".spec") {
    const std::string spec = expand_spec("@" + path);
    if (!spec.starts_with("ppo:")) {
      auto m = std::make_shared<LoadedModel>();
      m->name = name;
      m->path = path;
      m->checksum = "fnv1a64:" + rl::fnv1a64_hex(spec);
      m->generation = generation;
      m->classical_spec = spec;
      (void)m->make_policy(scenario_);  // refuses a bad spec now
      return m;
    }
    model_path = spec.substr(4);
  }
  const std::string text = read_text_file(model_path, "model file");
  rl::model_from_string(text, model_path);  // validates format, version, checksum and shapes
  auto m = std::make_shared<LoadedModel>();
  m->name = name;
  m->path = path;
  m->checksum = nlohmann::json::parse(text).at("checksum").get<std::string>();
  m->generation = generation;
  m->snapshot = snapshot_dir_ / (m->checksum.substr(m->checksum.find(':') + 1) + ".model");
  if (!std::filesystem::exists(m->snapshot)) write_file_atomic(m->snapshot, text);
  m->agent = rl::load_agent_cached(m->snapshot.string());
  (void)m->make_policy(scenario_);  // refuses a model that does not fit the scenario, now
  return m;
}

std::shared_ptr<const LoadedModel> ModelRegistry::get(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = models_.find(name);
  return it == models_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const LoadedModel>> ModelRegistry::all() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const LoadedModel>> v;
  for (const auto& [name, m] : models_) v.push_back(m);
  return v;
}

std::vector<ModelRegistry::ReloadResult> ModelRegistry::reload() {
  std::vector<ReloadResult> results;
  for (const auto& [name, path] : paths_) {
    ReloadResult r;
    r.name = name;
    const auto old = get(name);
    try {
      auto fresh = load(name, path, old->generation + 1);
      r.ok = true;
      r.changed = fresh->checksum != old->checksum;
      if (r.changed) {
        std::lock_guard lock(mu_);
        models_[name] = std::move(fresh);
      }
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    results.push_back(r);
  }
  return results;
}

}  // namespace autoscale::serve
