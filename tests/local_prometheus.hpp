#pragma once
// A real Prometheus (Debian's `prometheus` package) on a free loopback port with its own config and
// data directory, for the tests that need the real thing. Missing, it skips the test, except under
// CI=1, where it fails it (scripts/setup.sh installs it).
#include "ci_env.hpp"

#include <httplib.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "loopback_port.hpp"

namespace autoscale::testing {

inline const std::filesystem::path kPrometheusBinary = "/usr/bin/prometheus";
inline const std::filesystem::path kPromtoolBinary = "/usr/bin/promtool";

// Empty when the binaries are there; otherwise the message to skip (or, under CI, fail) with.
inline std::string prometheus_missing() {
  if (std::filesystem::exists(kPrometheusBinary) && std::filesystem::exists(kPromtoolBinary)) return "";
  return kPrometheusBinary.string() + " or " + kPromtoolBinary.string() + " is not installed (apt-get install prometheus)";
}
// Prometheus with `config` (prometheus.yml) and `data` (its TSDB directory), listening on a free
// loopback port (another one if something took it meanwhile); ready() once /-/ready answers 200.
class LocalPrometheus {
 public:
  LocalPrometheus(const std::filesystem::path& config, const std::filesystem::path& data, const std::filesystem::path& log,
                  const std::vector<std::string>& extra_flags = {})
      : log_(log) {
    for (int attempt = 0; attempt < 3 && !ready_; ++attempt) {
      port_ = unused_loopback_port();
      std::vector<std::string> args = {kPrometheusBinary.string(), "--config.file=" + config.string(),
                                       "--storage.tsdb.path=" + data.string(),
                                       "--web.listen-address=127.0.0.1:" + std::to_string(port_)};
      args.insert(args.end(), extra_flags.begin(), extra_flags.end());
      server_ = std::make_unique<Child>(args, log);
      httplib::Client probe("127.0.0.1", port_);
      probe.set_connection_timeout(1);
      for (int i = 0; i < 600 && server_->running() && !ready_; ++i) {
        const auto r = probe.Get("/-/ready");
        ready_ = r && r->status == 200;
        if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
  bool ready() const { return ready_; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return read_file_text(log_); }
  void stop() { server_->stop(); }

 private:
  std::filesystem::path log_;
  std::unique_ptr<Child> server_;
  int port_ = 0;
  bool ready_ = false;
};

}  // namespace autoscale::testing
