// CUDA batch-norm launchers (host declarations, no CUDA headers): CUB block reductions of
// Welford states and gradient sums, grid-stride element passes. Arguments are checked by
// kernels/batch_norm.cpp.
#pragma once

#include "kernels/batch_norm.h"

namespace minidl::kernels::cuda {
void batch_norm_train_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                              const BatchNormOptions& options);
void batch_norm_eval_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                             const BatchNormOptions& options);
void batch_norm_backward(const Tensor& grad_output, const BatchNormInputs& in, const Tensor& output,
                         const BatchNormStats& stats, bool training, bool fuse_relu,
                         const BatchNormGrads& grads);
}  // namespace minidl::kernels::cuda
