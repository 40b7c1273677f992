// CPU dropout loops (OpenMP over 32-element mask words, so each thread owns whole words);
// arguments are checked by kernels/dropout.cpp, tensors are contiguous.
#pragma once

#include "core/tensor.h"
#include "kernels/ops.h"

namespace minidl::kernels::cpu {
void dropout_forward(const Tensor& x, const Tensor& y, const Tensor& mask, PhiloxSeed seed, double drop_prob);
void dropout_backward(const Tensor& grad_output, const Tensor& mask, const Tensor& grad_input,
                      double drop_prob);
void dropout_backward_regenerate(const Tensor& grad_output, const Tensor& grad_input, PhiloxSeed seed,
                                 double drop_prob);
}  // namespace minidl::kernels::cpu
