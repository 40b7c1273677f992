// The log-mean-softmax of an ensemble. The running maximum m is detached: the result
// m + log Σ_k exp(l_k - m) - log K does not depend on m, so no gradient should flow through it.
#include "layers/ensemble.h"

#include <cmath>
#include <string>

#include "core/ops/elementwise.h"
#include "core/ops/loss.h"

namespace minidl::nn {

Ensemble::Ensemble(const std::vector<std::shared_ptr<Module>>& members) : Module("Ensemble") {
  MINIDL_CHECK(!members.empty(), ValueError, "Ensemble: needs at least one member");
  for (const auto& member : members) {
    MINIDL_CHECK(member != nullptr, ValueError, "Ensemble: member ", members_.size(), " is null");
    members_.push_back(register_module(std::to_string(members_.size()), member));
  }
}

Tensor Ensemble::forward(const Tensor& input) {
  std::vector<Tensor> outputs;
  for (const auto& member : members_) outputs.push_back((*member)(input));
  return mean_softmax_log(outputs);
}

Tensor mean_softmax_log(const std::vector<Tensor>& logits) {
  MINIDL_CHECK(!logits.empty(), ValueError, "mean_softmax_log: no outputs to combine");
  std::vector<Tensor> log_probs;
  for (std::size_t k = 0; k < logits.size(); ++k) {
    MINIDL_CHECK(logits[k].dim() == 2 && logits[k].shape() == logits[0].shape(), ShapeError,
                 "Ensemble: member ", k, " gave ", shape_str(logits[k].shape()),
                 ", expected (N, C) as member 0's ", shape_str(logits[0].shape()));
    log_probs.push_back(log_softmax(logits[k], 1));
  }
  if (log_probs.size() == 1) return log_probs[0];
  Tensor m = log_probs[0].detach();
  for (std::size_t k = 1; k < log_probs.size(); ++k) m = maximum(m, log_probs[k].detach());
  Tensor total = exp(log_probs[0] - m);
  for (std::size_t k = 1; k < log_probs.size(); ++k) total = total + exp(log_probs[k] - m);
  return m + log(total) - std::log(static_cast<double>(log_probs.size()));
}

}  // namespace minidl::nn
