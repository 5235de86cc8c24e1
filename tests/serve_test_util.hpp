#pragma once
// Shared by the server tests: tiny trained models, an in-process server on an ephemeral loopback
// port, and an HTTP client. Eigen-using headers come first: httplib's system headers define `_res`,
// which breaks Eigen's headers included after them.
#include "rl/agent.hpp"
#include "serve/server.hpp"

#include <httplib.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "temp_files.hpp"

namespace autoscale::serve_testing {

using autoscale::testing::temp_dir;

// A model written by `autoscale train` (4096 steps of a tiny network: seconds, and decisions that
// vary from minute to minute), once per process and kind: "seed" (the seed's 25 floats and
// add/remove action), "default" (extended features, target action) or "relative" (scale-free
// features with the wall clock, the relative headroom action). Each carries the default guardrail.
inline std::string trained_model(const std::string& kind) {
  static std::mutex mu;
  static std::map<std::string, std::string> made;
  std::lock_guard lock(mu);
  if (auto it = made.find(kind); it != made.end()) return it->second;
  const auto dir = temp_dir("served_model_" + kind);
  const auto cfg = dir / "tiny.toml";
  std::ofstream(cfg) << "[ppo]\npreset = \"" << (kind == "seed" ? "seed" : "default") << "\"\nnum_envs = 4\nrollout_steps = 128\n"
                     << "minibatches = 2\nhidden = [16, 16]\nvalidation_episodes = 0\ncheckpoint_every_steps = 100000\n"
                     << (kind == "relative" ? "features = \"scaled\"\naction = \"relative\"\n" : "");
  const std::string cmd = std::string(AUTOSCALE_CLI) + " train --scenario seed --steps 4096 --threads 1 --out " +
                          (dir / "run").string() + " --config " + cfg.string() + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("training a test model failed: " + cmd);
  return made[kind] = (dir / "run" / "model").string();
}

// A server running in this process on an ephemeral loopback port until destroyed.
class LiveServer {
 public:
  explicit LiveServer(serve::ServeOptions o, std::FILE* log = nullptr) : log_(log ? nullptr : std::tmpfile()) {
    o.host = "127.0.0.1";
    o.port = 0;
    o.log_out = log ? log : log_;
    server_ = std::make_unique<serve::Server>(o);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }
  ~LiveServer() {
    stop();
    server_.reset();  // its log writes its last lines to log_
    if (log_) std::fclose(log_);
  }
  void stop() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
  }
  serve::Server& server() { return *server_; }
  int port() const { return port_; }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_tcp_nodelay(true);
    c.set_read_timeout(10);
    return c;
  }

 private:
  std::FILE* log_;
  std::unique_ptr<serve::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

inline serve::ServeOptions options_for(const std::string& model) {
  serve::ServeOptions o;
  o.models["default"] = model;
  o.limits.threads = 4;
  return o;
}

inline nlohmann::json body_json(const httplib::Result& r) { return nlohmann::json::parse(r->body, nullptr, false); }

}  // namespace autoscale::serve_testing
