#pragma once
// kubernetes:[NAMESPACE/]KIND/NAME: control's decisions as the workload's scale subresource,
// patched the way `kubectl scale` patches it (kubernetes::ScaleClient). Connection: --kubeconfig
// (and --kube-context), else the pod's service account, else $KUBECONFIG or ~/.kube/config.
#include <memory>
#include <string>

#include "control/actuator.hpp"
#include "kubernetes/connection.hpp"
#include "kubernetes/scale_client.hpp"

namespace autoscale::control {

class KubernetesActuator : public Actuator {
 public:
  // `target` is the spec's argument ("prod/deployment/shop"); throws Error for a malformed one
  // or a connection that cannot be resolved. Sends no request until the first minute.
  KubernetesActuator(const std::string& target, const kubernetes::ConnectionOptions& connection);
  explicit KubernetesActuator(std::unique_ptr<kubernetes::ScaleClient> client);
  std::string describe() const override;
  // Refuses --enforce while a HorizontalPodAutoscaler targets the workload: two autoscalers
  // would fight over its replicas.
  void check_enforce() override;
  // Keyed by the decided minute's UTC epoch minute, never by the state's own minute counter
  // (which restarts with the state): the client sends nothing twice for one minute.
  void apply(const Actuation& a) override;
  // Shadow mode sends no Kubernetes request at all (the file or log records what it would do).

 private:
  std::unique_ptr<kubernetes::ScaleClient> client_;
};

}  // namespace autoscale::control
