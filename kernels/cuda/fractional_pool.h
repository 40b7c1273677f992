// CUDA fractional max pooling launchers (host declarations, no CUDA headers; operands checked by
// kernels/fractional_pool.cpp): one thread per output element forward, per input element backward.
#pragma once

#include "core/tensor.h"
#include "kernels/math/window.h"

namespace minidl::kernels::cuda {
void fractional_max_pool2d_forward(const Tensor& x, const Tensor& samples, Size2 kernel, const Tensor& out,
                                   const Tensor& indices);
void fractional_max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Tensor& samples,
                                    Size2 kernel, const Tensor& grad_input);
}  // namespace minidl::kernels::cuda
