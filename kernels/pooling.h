// 2-d pooling without autograd on [N, C, H, W] tensors (PyTorch semantics,
// ceil_mode = false): max, average and adaptive average pooling with their
// backward steps. CPU: loops over kernels/math/pooling.h; CUDA: cuDNN for max and
// average, a gather kernel over the same math for adaptive average pooling.
#pragma once

#include "core/tensor.h"
#include "kernels/math/window.h"

namespace minidl::kernels {

/// Window size, stride and zero/-inf padding of max and average pooling.
struct Pool2dParams {
  Size2 kernel = 1;
  Size2 stride = 1;
  Size2 padding = 0;
  bool count_include_pad = true;  // average pooling only: padded zeros count in the divisor
};

/// [N, C, H_out, W_out] with H_out = floor((H + 2*padding.h - kernel.h) / stride.h) + 1; throws
/// ShapeError naming the input shape and window, ValueError for padding > kernel/2 (as PyTorch).
Shape pool2d_output_shape(const Shape& x, const Pool2dParams& p, const char* op);

Tensor max_pool2d(const Tensor& x, const Pool2dParams& p);
/// Gradient w.r.t. x, routed to each window's first maximum (out is max_pool2d(x)).
Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& out, const Pool2dParams& p);

Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p);
Tensor avg_pool2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& out, const Pool2dParams& p);

/// Output [N, C, size.h, size.w]; window i spans [floor(i*in/out), ceil((i+1)*in/out)).
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 size);
Tensor adaptive_avg_pool2d_backward(const Tensor& grad_out, const Tensor& x);

}  // namespace minidl::kernels
