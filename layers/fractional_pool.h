// Fractional max pooling as a module, as torch.nn.FractionalMaxPool2d (Graham 2014;
// docs/formulas.md): each forward pass draws one sample per (sample, channel, axis) from a
// Generator (the same windows on CPU and CUDA for a seed) and pools k x k windows at those
// pseudo-random positions, in training and evaluation alike, as PyTorch does.
//   nn::FractionalMaxPool2d pool(2, {.output_ratio = 0.5});   nn::FractionalMaxPool2d(3, {.output_size = {10,
//   12}});
#pragma once

#include <optional>
#include <utility>

#include "core/generator.h"
#include "core/ops/fractional_pool.h"
#include "layers/module.h"

namespace minidl::nn {

/// Exactly one of output_size and output_ratio (each ratio in (0, 1)), as in PyTorch.
struct FractionalMaxPool2dOptions {
  std::optional<Size2> output_size = std::nullopt;
  std::optional<Ratio2> output_ratio = std::nullopt;
};

class FractionalMaxPool2d : public Module {
 public:
  FractionalMaxPool2d(Size2 kernel_size, FractionalMaxPool2dOptions options);
  /// x [N, C, H, W] or [C, H, W] -> [N, C, out_h, out_w].
  Tensor forward(const Tensor& input) override;
  /// minidl's form (PyTorch prints a bare "FractionalMaxPool2d()"): its settings as PyTorch's
  /// argument names, "kernel_size=(2, 2), output_ratio=(0.5, 0.5)" or "..., output_size=(10, 12)".
  std::string extra_repr() const override;
  /// The output and its argmax plane indices (PyTorch's return_indices=True).
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& input);
  /// The output size for an input of this shape.
  Size2 output_size(const Shape& input_shape) const;

  Size2 kernel_size() const { return kernel_size_; }
  const FractionalMaxPool2dOptions& options() const { return options_; }
  /// Draw samples from this generator (on the input's device) instead of the device's default.
  void set_generator(Generator* generator) { generator_ = generator; }

 private:
  Size2 kernel_size_;
  FractionalMaxPool2dOptions options_;
  Generator* generator_ = nullptr;
};

}  // namespace minidl::nn
