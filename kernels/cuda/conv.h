// cuDNN conv2d for the CUDA backend (contiguous operands and outputs from kernels/conv.cpp).
#pragma once

#include "kernels/conv.h"

namespace minidl::kernels::cuda {
void conv2d_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p,
                    const Tensor& out);
/// Fills each defined gradient (input, weight, bias); undefined ones are not computed.
void conv2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight, const Conv2dParams& p,
                     const Tensor& grad_input, const Tensor& grad_weight, const Tensor& grad_bias);
}  // namespace minidl::kernels::cuda
