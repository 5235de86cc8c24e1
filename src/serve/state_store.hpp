#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "serve/metrics_report.hpp"

namespace autoscale::serve {

// Service state on disk, under --state-dir:
//   services/<id>/config.json   the service's config, replaced atomically (temp file, fsync, rename)
//   services/<id>/minutes.log   the accepted reports since the state last (re)started, one per line:
//                               <compact JSON>\t<fnv1a64 of the JSON>\n, appended and fdatasync'ed
//                               before the decision is answered
// The state is a function of these reports (ServiceMirror), so replaying them rebuilds it exactly.
// A torn last line (a crash mid-append: its decision was never answered) is dropped on load; a bad
// line anywhere else is corruption and an Error naming the file and line.
class StateStore {
 public:
  StateStore(std::filesystem::path dir, bool fsync);

  struct Service {
    std::string id;
    ServiceConfig config;
    std::vector<MetricsReport> reports;
  };
  std::vector<Service> load_all(int warmup_latency) const;
  void save_config(const std::string& id, const ServiceConfig& config) const;
  void append(const std::string& id, const MetricsReport& report) const;
  // Replaces the log with `reports` at once (after a restart of the state).
  void rewrite(const std::string& id, const std::vector<MetricsReport>& reports) const;
  void remove(const std::string& id) const;

 private:
  std::filesystem::path service_dir(const std::string& id) const { return dir_ / "services" / id; }

  std::filesystem::path dir_;
  bool fsync_;
};

// Service ids name directories: 1-64 characters from [A-Za-z0-9._-], not starting with '.'.
bool valid_service_id(const std::string& id);

}  // namespace autoscale::serve
