// Differentiable matrix products on CPU (OpenBLAS) and CUDA (cuBLAS), as
// torch.matmul and torch.nn.functional.linear.
#pragma once

#include "core/tensor.h"

namespace minidl {

/// torch.matmul: 1-d @ 1-d is a dot product (a 0-d result), a 1-d left operand is a row and a 1-d
/// right operand a column (the added dim is removed again), and the batch dims of N-d operands
/// broadcast. Both operands share one floating dtype and device. Gradients flow to both.
Tensor matmul(const Tensor& a, const Tensor& b);

/// y = x @ weight^T + bias, as torch.nn.functional.linear: x [..., in], weight [out, in],
/// bias [out] or an undefined Tensor for none; y [..., out]. Gradients flow to all three.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

}  // namespace minidl
