#include "serve/prometheus.hpp"

#include <fmt/format.h>

namespace autoscale::serve {

std::string prometheus_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void ServerMetrics::observe_request(const std::string& route, const std::string& method, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, method, status}];
  Histogram& h = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void ServerMetrics::count_decision(const char* direction, bool dry_run) {
  std::lock_guard lock(mu_);
  ++decisions_[{direction, dry_run}];
}

void ServerMetrics::count_reload(bool ok) {
  std::lock_guard lock(mu_);
  ++(ok ? reloads_ok_ : reloads_failed_);
}

void ServerMetrics::count_shed() { ++shed_; }

std::string ServerMetrics::render(const std::string& model_lines) const {
  std::lock_guard lock(mu_);
  std::string o;
  o += "# HELP autoscale_http_requests_total HTTP requests by route, method and status.\n";
  o += "# TYPE autoscale_http_requests_total counter\n";
  for (const auto& [k, n] : requests_) {
    const auto& [route, method, status] = k;
    o += fmt::format("autoscale_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{}\"}} {}\n", route, method, status, n);
  }
  o += "# HELP autoscale_http_request_duration_seconds Time from the request read to the response ready.\n";
  o += "# TYPE autoscale_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      o += fmt::format("autoscale_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route, kBuckets[i], h.counts[i]);
    }
    o += fmt::format("autoscale_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route, h.count);
    o += fmt::format("autoscale_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    o += fmt::format("autoscale_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.count);
  }
  o += "# HELP autoscale_decisions_total Decisions answered on the stateful route, by direction.\n";
  o += "# TYPE autoscale_decisions_total counter\n";
  for (const auto& [k, n] : decisions_) {
    o += fmt::format("autoscale_decisions_total{{direction=\"{}\",dry_run=\"{}\"}} {}\n", k.first, k.second ? "true" : "false", n);
  }
  o += "# HELP autoscale_model_reloads_total Model reloads (SIGHUP) by result.\n";
  o += "# TYPE autoscale_model_reloads_total counter\n";
  o += fmt::format("autoscale_model_reloads_total{{result=\"ok\"}} {}\n", reloads_ok_);
  o += fmt::format("autoscale_model_reloads_total{{result=\"failed\"}} {}\n", reloads_failed_);
  o += "# HELP autoscale_connections_shed_total Connections refused with 503 at the connection bound.\n";
  o += "# TYPE autoscale_connections_shed_total counter\n";
  o += fmt::format("autoscale_connections_shed_total {}\n", shed_.load());
  o += "# HELP autoscale_services Services with state on this server.\n";
  o += "# TYPE autoscale_services gauge\n";
  o += fmt::format("autoscale_services {}\n", services_.load());
  o += model_lines;
  return o;
}

}  // namespace autoscale::serve
