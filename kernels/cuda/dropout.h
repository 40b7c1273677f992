// CUDA dropout launchers (host declarations, no CUDA headers): a warp covers 128 elements per
// step and lanes 0, 8, 16, 24 each write one whole mask word. Arguments checked by kernels/dropout.cpp.
#pragma once

#include "core/tensor.h"
#include "kernels/ops.h"

namespace minidl::kernels::cuda {
void dropout_forward(const Tensor& x, const Tensor& y, const Tensor& mask, PhiloxSeed seed, double drop_prob);
void dropout_backward(const Tensor& grad_output, const Tensor& mask, const Tensor& grad_input,
                      double drop_prob);
void dropout_backward_regenerate(const Tensor& grad_output, const Tensor& grad_input, PhiloxSeed seed,
                                 double drop_prob);
}  // namespace minidl::kernels::cuda
