#pragma once
#include <chrono>
#include <memory>
#include <string>

#include "serve/server.hpp"

namespace autoscale::keda {

struct KedaOptions {
  std::string host = "127.0.0.1";
  int port = 9090;  // 0 = any free port (tests)
  // How often StreamIsActive looks at the service's state for a change of activity.
  std::chrono::milliseconds stream_poll{1000};
};

// KEDA's external scaler (gRPC service externalscaler.ExternalScaler, externalscaler.proto) on
// top of the HTTP server's stateful API: each ScaledObject's trigger metadata names a service
// (`service: ID`, and optionally `model: NAME`, which must be the model the service uses), and
// the answer is that service's latest decision, exactly what GET /v1/services/{id} shows:
// - GetMetricSpec: one metric `autoscale-<service>` with target 1 (AverageValue), so that KEDA's
//   HPA computes ceil(desired / 1) = the desired fleet;
// - GetMetrics: that metric's value, the desired fleet;
// - IsActive: desired fleet > 0; StreamIsActive: the current activity, then each change of it;
// - StreamMetricSpec: UNIMPLEMENTED (KEDA then pulls GetMetricSpec).
// Errors: INVALID_ARGUMENT (no `service` key), NOT_FOUND (no such service),
// FAILED_PRECONDITION (other model, no report yet, dry-run). docs/serving.md, "KEDA".
class KedaScaler {
 public:
  KedaScaler(serve::Server& server, KedaOptions options);
  ~KedaScaler();  // stops
  KedaScaler(const KedaScaler&) = delete;
  KedaScaler& operator=(const KedaScaler&) = delete;

  int start();  // binds host:port, serves on gRPC's own threads; returns the port; throws Error
  void stop();  // ends the open streams, then waits for the calls in progress

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace autoscale::keda
