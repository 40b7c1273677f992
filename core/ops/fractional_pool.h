// Differentiable fractional max pooling (Graham 2014; torch.nn.functional.fractional_max_pool2d)
// over [N, C, H, W] or unbatched [C, H, W] inputs: k x k windows at pseudo-random positions,
// one sample u in [0, 1) per (sample, channel, axis) placing them (docs/formulas.md). The
// samples are PyTorch's `_random_samples` [N, C, 2] (width sample first; [1, C, 2] unbatched).
#pragma once

#include <utility>

#include "core/generator.h"
#include "core/tensor.h"
#include "kernels/math/window.h"

namespace minidl {

/// An {h, w} pair of output ratios in (0, 1); one number means both.
struct Ratio2 {
  double h = 0, w = 0;
  constexpr Ratio2() = default;
  constexpr Ratio2(double both) : h(both), w(both) {}  // NOLINT(google-explicit-constructor): as Size2
  constexpr Ratio2(double h_, double w_) : h(h_), w(w_) {}
};

/// The output size of output_ratio on an input [.., H, W]: (int(H * ratio.h), int(W * ratio.w)),
/// as PyTorch; ValueError unless both ratios lie in (0, 1), ShapeError naming the input shape
/// when a side would be empty.
Size2 fractional_output_size(const Shape& input_shape, Ratio2 output_ratio);

/// Samples for fractional_max_pool2d: uniform [0, 1) of shape [N, C, 2] ([1, C, 2] for an
/// unbatched input), float (double for a double input) on x's device, drawn from `generator`
/// (the default of x's device when null) with the Philox contract, so the same on CPU and CUDA.
Tensor fractional_pool_samples(const Tensor& x, Generator* generator = nullptr);

/// The pooled output and the plane index h * W + w of each output's maximum (int64), like
/// PyTorch's return_indices=True. Output [N, C, output_size.h, output_size.w]; windows need
/// output_size + kernel - 1 <= input per axis (else ShapeError naming the shapes). The output is
/// differentiable w.r.t. x: the gradient goes to each window's argmax (summed where windows share it).
std::pair<Tensor, Tensor> fractional_max_pool2d_with_indices(const Tensor& x, Size2 kernel, Size2 output_size,
                                                             const Tensor& samples);

/// fractional_max_pool2d_with_indices(...).first.
Tensor fractional_max_pool2d(const Tensor& x, Size2 kernel, Size2 output_size, const Tensor& samples);

/// With samples freshly drawn by fractional_pool_samples(x, generator).
Tensor fractional_max_pool2d(const Tensor& x, Size2 kernel, Size2 output_size,
                             Generator* generator = nullptr);

}  // namespace minidl
