// Differentiable 2-d convolution, as torch.nn.functional.conv2d (NCHW), on CPU
// (im2col + OpenBLAS) and CUDA (cuDNN).
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "kernels/math/window.h"

namespace minidl {

/// x [N, C, H, W] (or one unbatched sample [C, H, W]), weight [O, C/groups, kh, kw], bias [O] or an
/// undefined Tensor; output [N, O, H_out, W_out] with H_out = floor((H + 2*padding.h -
/// dilation.h*(kh-1) - 1) / stride.h) + 1 (W alike). stride, padding (zeros) and dilation are
/// Size2 {h, w} pairs; one int means both: conv2d(x, w, b, /*stride=*/2, /*padding=*/1).
/// Gradients flow to x, weight and bias. Throws ShapeError naming the shapes that do not fit.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Size2 stride = 1,
              Size2 padding = 0, Size2 dilation = 1, int64_t groups = 1);

}  // namespace minidl
