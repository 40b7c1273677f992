// Differentiable softmax, log_softmax and losses, with PyTorch's definitions and
// defaults (torch.nn.functional). Cross-entropy with label smoothing ε follows
// docs/formulas.md: (1-ε)(-log p_y) + ε·mean_c(-log p_c), one fused kernel each way.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace minidl {

/// How a per-element (or per-sample) loss becomes the result.
enum class Reduction { None, Mean, Sum };

/// exp(x) / Σ exp(x) along dim, computed with the row maximum subtracted (stable for any logits).
Tensor softmax(const Tensor& x, int64_t dim);
/// log(softmax(x)) along dim, as (x - max) - log Σ exp(x - max).
Tensor log_softmax(const Tensor& x, int64_t dim);

struct CrossEntropyOptions {
  double label_smoothing = 0.0;
  Reduction reduction = Reduction::Mean;
};

/// Cross-entropy of logits (C), (N, C) or (N, C, d1, ...) against int64 class indices of shape
/// (), (N) or (N, d1, ...). Mean (the default) averages over all samples; None returns the
/// per-sample losses in the targets' shape. Throws ValueError naming the target, its row and the
/// class count when a target is outside [0, C) (on CUDA at the next synchronization).
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, CrossEntropyOptions options = {});

/// (input - target)^2, reduced; both of the same shape, differentiable in both.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);

/// Number of samples whose argmax over the class dim equals the target, as a 0-dim Float64 tensor
/// on the logits' device (no synchronization); shapes as cross_entropy.
Tensor num_correct(const Tensor& logits, const Tensor& targets);

/// Fraction of samples whose argmax over the class dim (dim 1, or 0 for 1-d logits) equals the
/// target; shapes as cross_entropy (NaN for no samples). Synchronizes: the value reaches the host.
double accuracy(const Tensor& logits, const Tensor& targets);

}  // namespace minidl
