#include "control/kubernetes_actuator.hpp"

#include <fmt/format.h>

namespace autoscale::control {

KubernetesActuator::KubernetesActuator(const std::string& target, const kubernetes::ConnectionOptions& connection) {
  kubernetes::Connection c = kubernetes::resolve_connection(connection);
  kubernetes::Target t = kubernetes::parse_target(target, c.default_namespace);
  client_ = std::make_unique<kubernetes::ScaleClient>(std::move(c), std::move(t));
}

KubernetesActuator::KubernetesActuator(std::unique_ptr<kubernetes::ScaleClient> client) : client_(std::move(client)) {}

std::string KubernetesActuator::describe() const {
  const auto& t = client_->target();
  return fmt::format("kubernetes:{}/{}/{}", t.ns, t.resource, t.name);
}

void KubernetesActuator::check_enforce() {
  if (const auto hpa = client_->hpa_targeting()) {
    throw Error(fmt::format("--enforce: HorizontalPodAutoscaler {}/{} targets {}: two autoscalers would fight over its "
                            "replicas; delete the HPA (or its KEDA ScaledObject) first, or run control in shadow mode",
                            client_->target().ns, *hpa, client_->target().describe()));
  }
}

void KubernetesActuator::apply(const Actuation& a) {
  try {
    client_->apply(a.desired, a.timestamp / 60);
  } catch (const kubernetes::ApiError& e) {
    throw ActuationError(fmt::format("{}: {}", describe(), e.what()));
  }
}

}  // namespace autoscale::control
