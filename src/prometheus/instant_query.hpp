#pragma once
// A client of Prometheus's instant queries (GET /api/v1/query): one expression evaluated at one
// time, as `autoscale control` reads a service's load, failures and fleet each minute.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "prometheus/query_range.hpp"

namespace autoscale::prometheus {

struct InstantSample {
  std::map<std::string, std::string> labels;  // empty for a scalar
  std::int64_t time_ms = 0;                   // the evaluation time (Prometheus answers at it)
  double value = 0;                           // NaN and infinities as Prometheus returns them
};

struct InstantResult {
  std::string type;                    // "vector" or "scalar"
  std::vector<InstantSample> samples;  // a scalar is one sample without labels
  std::vector<std::string> warnings;
  std::int64_t requests = 0;           // HTTP requests made, retries included
};

// Evaluates `query` at `time_ms` (epoch milliseconds; nullopt = the server's now). Retries as
// query_range does (connection errors, 5xx, 429: options.tries in all, doubling backoff); any
// other non-2xx status, a body that is not Prometheus's success JSON, or a result that is neither
// a vector nor a scalar (a range selector's matrix, a string) is an Error naming the URL, the
// query, the HTTP status and Prometheus's own message.
InstantResult query_instant(const ClientOptions& options, const std::string& query,
                            std::optional<std::int64_t> time_ms = std::nullopt);

}  // namespace autoscale::prometheus
