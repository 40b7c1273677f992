// Loss modules, as torch.nn's: CrossEntropyLoss (label smoothing ε: (1-ε)(-log p_y) +
// ε·mean_c(-log p_c), docs/formulas.md) and MSELoss, over core/ops/loss.h. They take two
// inputs, so they are called as loss(logits, targets) rather than through forward().
#pragma once

#include "core/ops/loss.h"
#include "layers/module.h"

namespace minidl::nn {

class CrossEntropyLoss : public Module {
 public:
  /// e.g. CrossEntropyLoss({.label_smoothing = 0.1}).
  explicit CrossEntropyLoss(CrossEntropyOptions options = {});
  /// logits (N, C) or (N, C, d1, ...), targets int64 class indices (N) or (N, d1, ...).
  Tensor operator()(const Tensor& logits, const Tensor& targets) const;
  const CrossEntropyOptions& options() const { return options_; }

 private:
  CrossEntropyOptions options_;
};

class MSELoss : public Module {
 public:
  explicit MSELoss(Reduction reduction = Reduction::Mean) : Module("MSELoss"), reduction_(reduction) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return mse_loss(input, target, reduction_);
  }

 private:
  Reduction reduction_;
};

}  // namespace minidl::nn
