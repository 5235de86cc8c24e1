#pragma once
// A loopback HTTP server standing in for Prometheus's instant-query API (GET /api/v1/query), with
// a scripted answer per query text, for the control loop's unit tests. The end-to-end test uses a
// real Prometheus (tests/control/test_control_e2e.cpp).
#include <httplib.h>
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <chrono>
#include <thread>
#include <vector>

namespace autoscale::control_testing {

inline std::string prom_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

// Prometheus's answer to an instant query: one series per value (labels series="0", "1", ...).
inline std::string vector_body(const std::vector<double>& values, double time = 1'700'000'000) {
  std::string result;
  for (std::size_t i = 0; i < values.size(); ++i) {
    result += fmt::format(R"({}{{"metric":{{"series":"{}"}},"value":[{},"{}"]}})", i ? "," : "", i, time, prom_number(values[i]));
  }
  return fmt::format(R"({{"status":"success","data":{{"resultType":"vector","result":[{}]}}}})", result);
}

class FakePrometheus {
 public:
  struct Reply {
    int status = 200;
    std::string body;
  };
  FakePrometheus() {
    server_.Get("/api/v1/query", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      const std::string q = req.get_param_value("query");
      ++requests_[q];
      if (req.has_param("time")) times_.push_back(req.get_param_value("time"));
      const auto it = replies_.find(q);
      if (it == replies_.end()) {
        res.status = 400;
        res.set_content(R"({"status":"error","errorType":"bad_data","error":"unknown query in the fake"})", "application/json");
        return;
      }
      res.status = it->second.status;
      res.set_content(it->second.body, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakePrometheus() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void set(const std::string& query, int status, std::string body) {
    std::lock_guard lock(mu_);
    replies_[query] = {status, std::move(body)};
  }
  void value(const std::string& query, double v) { set(query, 200, vector_body({v})); }
  void values(const std::string& query, const std::vector<double>& v) { set(query, 200, vector_body(v)); }
  int requests(const std::string& query) {
    std::lock_guard lock(mu_);
    return requests_[query];
  }
  std::vector<std::string> times() {
    std::lock_guard lock(mu_);
    return times_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, Reply> replies_;
  std::map<std::string, int> requests_;
  std::vector<std::string> times_;
};

// control's /metrics once `ready(body)` holds, polled every 50 ms for up to `bound` (a process
// starting on 2 loaded cores: model load, first queries); "" if it never did.
template <typename Ready>
std::string wait_for_metrics(int port, Ready ready, std::chrono::seconds bound = std::chrono::seconds(30)) {
  httplib::Client mc("127.0.0.1", port);
  const auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    if (auto r = mc.Get("/metrics"); r && ready(r->body)) return r->body;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

// The value of the sample of `name` (with its labels, as written) in a metrics text; -1 if none.
inline double metric_value(const std::string& metrics, const std::string& name) {
  const auto at = metrics.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + name.size() + 2));
}

}  // namespace autoscale::control_testing
