// Batch-norm kernels without autograd (docs/formulas.md; Ioffe & Szegedy 2015): training
// forward (per-channel Welford statistics in one reduction pass, normalize/scale/shift with
// optional fused ReLU, running statistics updated in place), inference forward (one pass from
// the running statistics) and the two-pass backward. Input (N, C) or (N, C, *), contiguous.
#pragma once

#include "core/tensor.h"

namespace minidl::kernels {

/// The tensors of one call. input: (N, C, *) contiguous, floating. weight, bias,
/// running_mean, running_var: (C), contiguous, all of one dtype: the input's, or float32 for
/// a 16-bit input; weight/bias may be undefined (affine=false), and so may the running
/// statistics (both or neither; training only).
struct BatchNormInputs {
  Tensor input;
  Tensor weight;
  Tensor bias;
  Tensor running_mean;
  Tensor running_var;
};

/// Per-channel statistics saved for backward: mean and 1/sqrt(var + eps), (C) in
/// batch_norm_stats_dtype(input dtype). In evaluation they hold the running statistics.
struct BatchNormStats {
  Tensor mean;
  Tensor invstd;
};

/// Gradient outputs of the backward; an undefined one is not computed.
struct BatchNormGrads {
  Tensor input;   // like input
  Tensor weight;  // like weight
  Tensor bias;    // like bias
};

struct BatchNormOptions {
  double momentum = 0.1;
  double eps = 1e-5;
  bool fuse_relu = false;
};

/// float64 for float64 inputs, else float32: the type statistics are computed in.
DType batch_norm_stats_dtype(DType input);
/// Stats tensors of batch_norm_stats_dtype, (C), on the input's device.
BatchNormStats make_batch_norm_stats(const Tensor& input);

/// Training: batch mean and biased variance per channel (ValueError "Expected more than 1
/// value per channel when training" for N*prod(*) < 2), output = ReLU?((x - mean) * invstd
/// * weight + bias), running_mean/var updated with momentum (the variance unbiased).
void batch_norm_train_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                              const BatchNormOptions& options);
/// Evaluation: the same transform from the running statistics (which must be defined).
void batch_norm_eval_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                             const BatchNormOptions& options);
/// Backward of either forward (`training` says which): dbias = sum dy, dweight = sum dy*xhat
/// in one reduction pass, then dx in a second. With fuse_relu, dy is masked by output > 0.
/// Uses in.input and in.weight; output is needed only with fuse_relu.
void batch_norm_backward(const Tensor& grad_output, const BatchNormInputs& in, const Tensor& output,
                         const BatchNormStats& stats, bool training, bool fuse_relu,
                         const BatchNormGrads& grads);

}  // namespace minidl::kernels
