// Differentiable inverted dropout and DropConnect (docs/formulas.md; Wan et al. 2013):
// in training y = x * m / (1 - drop_prob) with m ~ Bernoulli(1 - drop_prob) drawn from a
// Generator (Philox, the same bits on CPU and CUDA); in evaluation y = x. Backward reads the
// forward pass's one-bit-per-element mask.
#pragma once

#include "core/generator.h"
#include "core/tensor.h"

namespace minidl {

/// Inverted dropout with drop_prob the probability of zeroing an element (PyTorch's p).
/// Returns x itself when !training, drop_prob == 0 or x is empty (nothing drawn or launched);
/// drop_prob == 1 gives zeros. Draws ceil(numel / 4) Philox blocks from `generator` (the
/// default generator of x's device when null), which must belong to x's device.
Tensor dropout(const Tensor& x, double drop_prob, bool training, Generator* generator = nullptr);

/// DropConnect: the weight with each entry dropped with probability drop_prob and the rest
/// scaled by 1 / (1 - drop_prob), one mask per call (so per forward pass, shared by the
/// batch); the weight itself in evaluation. Differentiable w.r.t. w.
Tensor dropconnect_weight(const Tensor& w, double drop_prob, bool training, Generator* generator = nullptr);

}  // namespace minidl
