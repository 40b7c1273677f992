// CPU batch-norm loops (OpenMP over (channel, chunk) reductions and over rows); arguments
// checked by kernels/batch_norm.cpp, per-element math from kernels/math/batch_norm.h.
#pragma once

#include "kernels/batch_norm.h"

namespace minidl::kernels::cpu {
void batch_norm_train_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                              const BatchNormOptions& options);
void batch_norm_eval_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                             const BatchNormOptions& options);
void batch_norm_backward(const Tensor& grad_output, const BatchNormInputs& in, const Tensor& output,
                         const BatchNormStats& stats, bool training, bool fuse_relu,
                         const BatchNormGrads& grads);
}  // namespace minidl::kernels::cpu
