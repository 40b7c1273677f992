// Differentiable 2-d pooling over [N, C, H, W] (or unbatched [C, H, W]) tensors, as
// torch.nn.functional's max_pool2d, avg_pool2d and adaptive_avg_pool2d with
// ceil_mode = false and dilation 1, on CPU and CUDA (cuDNN).
#pragma once

#include "core/tensor.h"
#include "kernels/math/window.h"

namespace minidl {

/// Max over each kernel window (padding acts as -inf); the gradient goes to each window's first
/// maximum, as PyTorch's. stride = 0 (the default) means stride = kernel, PyTorch's stride=None;
/// padding is at most kernel/2. Output H = floor((H + 2*padding.h - kernel.h) / stride.h) + 1.
Tensor max_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0);

/// Mean over each kernel window; with count_include_pad the divisor is kernel.h*kernel.w, padded
/// zeros included, otherwise the number of input elements in the window. stride = 0 means kernel.
Tensor avg_pool2d(const Tensor& x, Size2 kernel, Size2 stride = 0, Size2 padding = 0,
                  bool count_include_pad = true);

/// Output [N, C, size.h, size.w]; output (i, j) averages input rows [floor(i*H/size.h),
/// ceil((i+1)*H/size.h)) and the columns alike, so windows may overlap or differ in size.
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size);

/// Global average pooling: adaptive_avg_pool2d(x, 1), one mean per (n, c), shape [N, C, 1, 1].
Tensor global_avg_pool2d(const Tensor& x);

}  // namespace minidl
