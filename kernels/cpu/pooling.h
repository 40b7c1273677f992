// CPU pooling loops (float32/float64, contiguous [N, C, H, W]; checked by kernels/pooling.cpp),
// one (n, c) plane per OpenMP iteration, the per-window math from kernels/math/pooling.h.
#pragma once

#include "kernels/pooling.h"

namespace minidl::kernels::cpu {
void max_pool2d_forward(const Tensor& x, const Pool2dParams& p, const Tensor& out);
void max_pool2d_backward(const Tensor& grad_out, const Tensor& x, const Pool2dParams& p,
                         const Tensor& grad_input);
void avg_pool2d_forward(const Tensor& x, const Pool2dParams& p, const Tensor& out);
void avg_pool2d_backward(const Tensor& grad_out, const Pool2dParams& p, const Tensor& grad_input);
void adaptive_avg_pool2d_forward(const Tensor& x, const Tensor& out);
void adaptive_avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_input);
}  // namespace minidl::kernels::cpu
