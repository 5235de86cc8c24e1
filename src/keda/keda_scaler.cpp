#include "keda/keda_scaler.hpp"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <mutex>
#include <optional>

#include "core/error.hpp"
#include "externalscaler.grpc.pb.h"

namespace autoscale::keda {
namespace {

namespace es = externalscaler;

std::string metric_name(const std::string& service) { return "autoscale-" + service; }

// The service a ScaledObject's trigger names and its latest decision, or the error to answer.
struct Resolved {
  grpc::Status status = grpc::Status::OK;
  std::string service;
  serve::ServiceDecision decision;
};

Resolved resolve(serve::Server& server, const es::ScaledObjectRef& ref) {
  Resolved r;
  const auto& meta = ref.scalermetadata();
  const auto it = meta.find("service");
  if (it == meta.end() || it->second.empty()) {
    r.status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            fmt::format("ScaledObject {}/{}: the trigger's metadata has no 'service' key (set `service: ID`, "
                                        "the id the service's metrics are posted under)",
                                        ref.namespace_(), ref.name()));
    return r;
  }
  r.service = it->second;
  const auto d = server.service_decision(r.service);
  if (!d) {
    r.status = grpc::Status(grpc::StatusCode::NOT_FOUND,
                            fmt::format("no service '{}' (POST its metrics to /v1/services/{}/metrics first)", r.service, r.service));
    return r;
  }
  const auto model = meta.find("model");
  if (model != meta.end() && !model->second.empty() && model->second != d->model) {
    r.status = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            fmt::format("service '{}' uses model '{}', the trigger asks for '{}' (PUT /v1/services/{} "
                                        "with \"model\" to change it)",
                                        r.service, d->model, model->second, r.service));
    return r;
  }
  if (!d->has_reports) {
    r.status = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            fmt::format("service '{}' has no report yet: there is no decision to scale to", r.service));
    return r;
  }
  if (d->dry_run) {
    r.status = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            fmt::format("service '{}' is in dry-run: its decisions are not to be acted on", r.service));
    return r;
  }
  r.decision = *d;
  return r;
}

}  // namespace

struct KedaScaler::Impl final : es::ExternalScaler::Service {
  serve::Server& server;
  KedaOptions o;
  std::unique_ptr<grpc::Server> grpc;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;

  Impl(serve::Server& s, KedaOptions options) : server(s), o(std::move(options)) {}

  grpc::Status IsActive(grpc::ServerContext*, const es::ScaledObjectRef* ref, es::IsActiveResponse* out) override {
    const Resolved r = resolve(server, *ref);
    if (r.status.ok()) out->set_result(r.decision.desired > 0);
    return r.status;
  }

  grpc::Status StreamIsActive(grpc::ServerContext* ctx, const es::ScaledObjectRef* ref,
                              grpc::ServerWriter<es::IsActiveResponse>* writer) override {
    std::optional<bool> sent;
    for (;;) {
      const Resolved r = resolve(server, *ref);
      if (!r.status.ok()) return r.status;
      const bool active = r.decision.desired > 0;
      if (sent != active) {
        es::IsActiveResponse msg;
        msg.set_result(active);
        if (!writer->Write(msg)) return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
        sent = active;
      }
      std::unique_lock lock(mu);
      if (cv.wait_for(lock, o.stream_poll, [this] { return stopping; })) return grpc::Status::OK;  // shutdown
      if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client");
    }
  }

  grpc::Status GetMetricSpec(grpc::ServerContext*, const es::ScaledObjectRef* ref, es::GetMetricSpecResponse* out) override {
    const Resolved r = resolve(server, *ref);
    if (!r.status.ok()) return r.status;
    es::MetricSpec* spec = out->add_metricspecs();
    spec->set_metricname(metric_name(r.service));
    spec->set_targetsize(1);
    spec->set_targetsizefloat(1.0);
    return grpc::Status::OK;
  }

  grpc::Status GetMetrics(grpc::ServerContext*, const es::GetMetricsRequest* req, es::GetMetricsResponse* out) override {
    const Resolved r = resolve(server, req->scaledobjectref());
    if (!r.status.ok()) return r.status;
    es::MetricValue* v = out->add_metricvalues();
    // KEDA asks with the name GetMetricSpec gave (its `s<index>-` prefix stripped).
    v->set_metricname(req->metricname().empty() ? metric_name(r.service) : req->metricname());
    v->set_metricvalue(r.decision.desired);
    v->set_metricvaluefloat(static_cast<double>(r.decision.desired));
    return grpc::Status::OK;
  }

  grpc::Status StreamMetricSpec(grpc::ServerContext*, const es::ScaledObjectRef*,
                                grpc::ServerWriter<es::GetMetricSpecResponse>*) override {
    // The spec never changes (target 1): KEDA falls back to GetMetricSpec on UNIMPLEMENTED.
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "the metric spec is constant (target 1): use GetMetricSpec");
  }
};

KedaScaler::KedaScaler(serve::Server& server, KedaOptions options) : impl_(std::make_unique<Impl>(server, std::move(options))) {}

KedaScaler::~KedaScaler() { stop(); }

int KedaScaler::start() {
  if (impl_->grpc) throw Error("the KEDA scaler is already started");
  impl_->stopping = false;
  int port = 0;
  grpc::ServerBuilder b;
  const std::string& host = impl_->o.host;
  const bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';  // "::1" -> "[::1]:port"
  const std::string addr = ipv6 ? fmt::format("[{}]:{}", host, impl_->o.port) : fmt::format("{}:{}", host, impl_->o.port);
  b.AddListeningPort(addr, grpc::InsecureServerCredentials(), &port);
  b.RegisterService(impl_.get());
  impl_->grpc = b.BuildAndStart();
  if (!impl_->grpc || port == 0) {
    impl_->grpc.reset();
    throw Error(fmt::format("the KEDA scaler cannot listen on {}", addr));
  }
  return port;
}

void KedaScaler::stop() {
  if (!impl_->grpc) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  impl_->grpc->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  impl_->grpc->Wait();
  impl_->grpc.reset();
}

}  // namespace autoscale::keda
