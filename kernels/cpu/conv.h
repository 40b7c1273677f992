// CPU conv2d (float32/float64, contiguous operands checked by kernels/conv.cpp):
// im2col + OpenBLAS GEMM per sample, samples in parallel with OpenMP.
#pragma once

#include "kernels/conv.h"

namespace minidl::kernels::cpu {
void conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p,
                    const Tensor& out);
/// Fills each defined gradient (input, weight, bias); undefined ones are not computed.
void conv2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Conv2dParams& p,
                     const Tensor& grad_input, const Tensor& grad_weight, const Tensor& grad_bias);
}  // namespace minidl::kernels::cpu
