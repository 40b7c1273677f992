// Polyak / exponential moving averaging of a model's parameters (docs/formulas.md:
// e = decay*e + (1-decay)*p after each step, optionally with a warmup of the decay), one fused launch per update, and
// evaluation with the averaged weights; plus global-norm gradient clipping.
#pragma once

#include <vector>

#include "core/tensor.h"
#include "layers/module.h"

namespace minidl::optim {

struct EmaOptions {
  double decay = 0.999;
  /// Use min(decay, (1 + t) / (10 + t)) at update t = 0, 1, ... (TensorFlow's num_updates rule),
  /// so early updates forget the starting weights quickly; off by default, as in PyTorch's
  /// AveragedModel with a fixed-decay EMA.
  bool warmup = false;
  /// Average buffers (batch-norm statistics) too; by default they are copied from the model.
  bool average_buffers = false;
};

class ExponentialMovingAverage {
 public:
  /// Starts the average at the module's current parameters (and buffers).
  ExponentialMovingAverage(nn::Module& module, EmaOptions options = {});

  /// Folds the module's current parameters into the average (call after each optimizer step).
  void update();
  /// Writes the averaged weights into the module, keeping the live ones for restore().
  void copy_to();
  /// Puts the live weights back after copy_to().
  void restore();
  int64_t num_updates() const { return num_updates_; }
  /// The decay the next update() uses.
  double current_decay() const;
  /// The averaged tensors, in named_parameters() then named_buffers() order.
  const std::vector<Tensor>& averaged() const { return shadow_params_; }

 private:
  EmaOptions options_;
  std::vector<Tensor> params_, buffers_;
  std::vector<Tensor> shadow_params_, shadow_buffers_;
  std::vector<Tensor> backup_;
  int64_t num_updates_ = 0;
};

/// Evaluates with averaged weights for a scope: copy_to() now, restore() at the end.
class AveragedWeightsGuard {
 public:
  explicit AveragedWeightsGuard(ExponentialMovingAverage& ema) : ema_(ema) { ema_.copy_to(); }
  ~AveragedWeightsGuard() { ema_.restore(); }
  AveragedWeightsGuard(const AveragedWeightsGuard&) = delete;
  AveragedWeightsGuard& operator=(const AveragedWeightsGuard&) = delete;

 private:
  ExponentialMovingAverage& ema_;
};

/// Scales all gradients so their global L2 norm is at most max_norm; returns the norm before
/// clipping (reading it syncs the device; the clipping itself does not).
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm);

}  // namespace minidl::optim
