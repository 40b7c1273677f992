// CPU fractional max pooling (contiguous operands checked by kernels/fractional_pool.cpp; any
// floating dtype, samples in float, or double for double): one (n, c) plane per OpenMP iteration.
#pragma once

#include "core/tensor.h"
#include "kernels/math/window.h"

namespace minidl::kernels::cpu {
void fractional_max_pool2d_forward(const Tensor& x, const Tensor& samples, Size2 kernel, const Tensor& out,
                                   const Tensor& indices);
void fractional_max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Tensor& grad_input);
}  // namespace minidl::kernels::cpu
