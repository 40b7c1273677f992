// Activation modules, as torch.nn's: thin wrappers over the differentiable element-wise
// activations of core/ops/elementwise.h (formulas in kernels/math/elementwise.h).
#pragma once

#include "layers/module.h"

namespace minidl::nn {

/// max(x, 0).
class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& input) override;
};

/// x for x >= 0, negative_slope * x otherwise.
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : Module("LeakyReLU"), negative_slope_(negative_slope) {}
  Tensor forward(const Tensor& input) override;
  /// "negative_slope=0.01", as PyTorch.
  std::string extra_repr() const override;
  double negative_slope() const { return negative_slope_; }

 private:
  double negative_slope_;
};

/// x * Phi(x), the exact (erf) form, PyTorch's default.
class GELU : public Module {
 public:
  GELU() : Module("GELU") {}
  Tensor forward(const Tensor& input) override;
  /// "approximate='none'", as PyTorch (the exact form is the only one here).
  std::string extra_repr() const override;
};

/// 1 / (1 + exp(-x)).
class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& input) override;
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& input) override;
};

}  // namespace minidl::nn
