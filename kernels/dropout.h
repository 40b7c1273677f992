// Dropout kernels without autograd (inverted dropout, docs/formulas.md; DropConnect applies
// them to a weight): the forward pass draws the mask from Philox (seed, offset) and scales in
// one pass, keeping one bit per element (layout in kernels/math/dropout.h); backward reads the
// bits, or regenerates them from (seed, offset) without any mask memory.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "kernels/ops.h"

namespace minidl::kernels {

/// Bytes of the packed mask of n elements: 4 per 32-bit word, ceil(n / 32) words.
int64_t dropout_mask_bytes(int64_t n);

/// An uninitialized UInt8 tensor of dropout_mask_bytes(x.numel()) on x's device, for x's mask.
Tensor dropout_mask_like(const Tensor& x);

/// y = x * m / (1 - drop_prob) with m_i = (uniform_i < 1 - drop_prob) drawn from (seed, offset);
/// writes m into `mask` (dropout_mask_like(x)). x, y contiguous, same shape, floating dtype,
/// same device; drop_prob in [0, 1]. Uses ceil(numel / 4) Philox blocks from seed.offset.
void dropout_forward(const Tensor& x, const Tensor& y, const Tensor& mask, PhiloxSeed seed, double drop_prob);

/// dx = dy * m / (1 - drop_prob) with m read from the mask of the forward pass.
void dropout_backward(const Tensor& grad_output, const Tensor& mask, const Tensor& grad_input,
                      double drop_prob);

/// dx = dy * m / (1 - drop_prob) with m drawn again from the forward pass's (seed, offset):
/// no mask memory, one Philox block per four elements of compute instead.
void dropout_backward_regenerate(const Tensor& grad_output, const Tensor& grad_input, PhiloxSeed seed,
                                 double drop_prob);

}  // namespace minidl::kernels
