#include "rl/ppo_loss.hpp"

namespace autoscale::rl {

PpoLossTerms& PpoLossTerms::operator+=(const PpoLossTerms& o) {
  pg_loss += o.pg_loss;
  v_loss += o.v_loss;
  entropy += o.entropy;
  approx_kl += o.approx_kl;
  clipfrac += o.clipfrac;
  return *this;
}

}  // namespace autoscale::rl
