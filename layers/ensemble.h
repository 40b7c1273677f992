// nn::Ensemble: several models (children "0", "1", ...) averaged in probability space, as a
// deep ensemble or a snapshot ensemble (Huang et al. 2017) is evaluated. forward returns
// log((1/K) Σ_k softmax(f_k(x))), so argmax/accuracy and cross_entropy apply to it unchanged.
#pragma once

#include <memory>
#include <vector>

#include "layers/module.h"

namespace minidl::nn {

class Ensemble : public Module {
 public:
  /// At least one member; ValueError for none or a null one.
  explicit Ensemble(const std::vector<std::shared_ptr<Module>>& members);

  /// The members' outputs (N, C) combined as the log of their mean softmax over dim 1, computed
  /// stably as logsumexp_k(log_softmax(f_k)) - log K; ShapeError when the members disagree.
  Tensor forward(const Tensor& input) override;

  std::size_t size() const { return members_.size(); }
  const std::shared_ptr<Module>& member(std::size_t index) const { return members_.at(index); }

 private:
  std::vector<std::shared_ptr<Module>> members_;
};

/// The same combination of given log-probabilities or logits (each (N, C)): log of the mean softmax.
Tensor mean_softmax_log(const std::vector<Tensor>& logits);

}  // namespace minidl::nn
