#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace autoscale::serve {

// The server's own metrics, rendered in the Prometheus text format (GET /metrics). Routes are a
// fixed set (never the raw path, whose service ids would make label values unbounded).
class ServerMetrics {
 public:
  static constexpr std::array<double, 14> kBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                   0.025,  0.05,    0.1,    0.25,  0.5,    1.0,  5.0};

  void observe_request(const std::string& route, const std::string& method, int status, double seconds);
  void count_decision(const char* direction, bool dry_run);  // direction: add, remove, hold
  void count_reload(bool ok);
  void count_shed();  // a connection refused because the connection bound was reached
  void set_services(std::int64_t n) { services_ = n; }

  // `model_lines` carries the per-model gauges, already formatted.
  std::string render(const std::string& model_lines) const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::pair<std::string, bool>, std::uint64_t> decisions_;
  std::uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
  std::atomic<std::uint64_t> shed_{0};
  std::atomic<std::int64_t> services_{0};
};

// Escapes a Prometheus label value.
std::string prometheus_label(const std::string& v);

}  // namespace autoscale::serve
