#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "policies/policy.hpp"
#include "rl/agent.hpp"
#include "scenario/scenario.hpp"

namespace autoscale::serve {

// One loaded model file, immutable once loaded. A reload makes a new one.
struct LoadedModel {
  std::string name;      // as the server was told (--model is "default")
  std::string path;      // the file operators point at and replace
  std::string checksum;  // the file's own "fnv1a64:..." checksum: the model's version
  std::int64_t generation = 0;  // 1 at startup, +1 for each successful reload of this name
  std::filesystem::path snapshot;  // a copy named by checksum, which the policy is built from
  std::shared_ptr<const rl::Agent> agent;  // null for a classical policy
  // A policy spec file (`run`'s deployed.spec) names what to serve: a learned model (ppo:PATH,
  // loaded as above) or a classical policy, served by the stateful route only (it has no
  // observation vector to invoke).
  std::string classical_spec;
  // A fresh policy acting as `evaluate` runs this model (make_policy("ppo:<snapshot>")), so that
  // whatever the model file carries (a guardrail, new features) applies in serving unchanged.
  std::unique_ptr<Policy> make_policy(const Scenario& scenario) const;
};

// The models a server serves, by name, each swapped atomically on reload. A path ending in .spec
// is a policy spec file (its last line is the spec; `run` writes deployed.spec). Policies are built from
// a snapshot of the file named by its checksum: the policy factory caches agents by path, and a
// content-named path can never hold another model.
class ModelRegistry {
 public:
  // Loads every model (throws Error naming the file if one is bad or does not fit the scenario).
  ModelRegistry(std::map<std::string, std::string> paths, std::filesystem::path snapshot_dir, const Scenario& scenario);

  std::shared_ptr<const LoadedModel> get(const std::string& name) const;  // nullptr if unknown
  std::vector<std::shared_ptr<const LoadedModel>> all() const;
  bool has(const std::string& name) const { return paths_.count(name) > 0; }

  struct ReloadResult {
    std::string name;
    bool ok = false;
    bool changed = false;
    std::string error;
  };
  // Re-reads every file; a model that fails to load keeps serving its previous version.
  std::vector<ReloadResult> reload();

 private:
  std::shared_ptr<const LoadedModel> load(const std::string& name, const std::string& path, std::int64_t generation) const;

  std::map<std::string, std::string> paths_;
  std::filesystem::path snapshot_dir_;
  const Scenario& scenario_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const LoadedModel>> models_;
};

}  // namespace autoscale::serve
