// CUDA pooling (contiguous [N, C, H, W] operands and outputs from kernels/pooling.cpp):
// cuDNN for max and average pooling, a kernel over kernels/math/pooling.h for adaptive.
#pragma once

#include "kernels/pooling.h"

namespace minidl::kernels::cuda {
enum class PoolMode { Max, Average };
void pool2d_forward(const Tensor& x, const Pool2dParams& p, PoolMode mode, const Tensor& out);
void pool2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& out, const Pool2dParams& p,
                     PoolMode mode, const Tensor& grad_input);
void adaptive_avg_pool2d_forward(const Tensor& x, const Tensor& out);
void adaptive_avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_input);
}  // namespace minidl::kernels::cuda
