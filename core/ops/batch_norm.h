// Differentiable batch normalization (Ioffe & Szegedy 2015; docs/formulas.md) with
// PyTorch's F.batch_norm argument order and defaults, an optional fused ReLU, on CPU and CUDA.
#pragma once

#include "core/tensor.h"

namespace minidl {

/// Batch norm of input (N, C) or (N, C, *) over every dim but 1.
/// training: normalizes with the batch mean and biased variance, updates running_mean/var in
/// place when defined (running = (1-momentum)*running + momentum*batch, the variance unbiased
/// n/(n-1)); throws ValueError "Expected more than 1 value per channel when training, ..."
/// when N*prod(*) is 1. Evaluation: uses running_mean/var, which must then be defined (a layer
/// with track_running_stats=false passes training=true). weight/bias (C) may be undefined
/// (affine=false). fuse_relu applies ReLU to the result in the same pass. Parameters have the
/// input's dtype, or float32 for a 16-bit input. Differentiable w.r.t. input, weight, bias.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  double momentum = 0.1, double eps = 1e-5, bool fuse_relu = false);

}  // namespace minidl
