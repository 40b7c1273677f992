// Backend-neutral fused optimizer steps and gradient utilities (no autograd): each call
// reads param, grad and state once and writes param and state once, in one multi-tensor
// launch per call on CUDA (kernels/multi_tensor.h) or one OpenMP loop on the CPU. The
// per-element formulas are kernels/math/optim.h (docs/formulas.md, torch.optim).
#pragma once

#include <vector>

#include "core/tensor.h"
#include "kernels/math/optim.h"

namespace minidl::kernels {

using TensorList = std::vector<Tensor>;

/// Step count and learning rate of one step. step_tensor and lr_tensor, when defined,
/// are one-element tensors on the params' device read by the kernel itself (so a step
/// needs no host sync and can be captured in a CUDA graph; the caller advances the step
/// tensor); otherwise `step` and the hyperparameters' lr are used. t = 1 marks a fresh
/// state: the kernels then write momentum/moment buffers without reading them.
struct StepScalars {
  int64_t step = 1;
  Tensor step_tensor{};  // float32, float64 or int64: t of this step (>= 1)
  Tensor lr_tensor{};    // float32 or float64: replaces the lr of the hyperparameters
};

// Every list holds one tensor per param, contiguous, of the param's shape, on one device
// with one dtype (float32 or float64); a list that the hyperparameters do not need
// (momentum buffers without momentum) may be empty. Errors name the list and the index.

/// Throw ValueError, prefixed with `op`, for hyperparameters outside torch.optim's ranges (lr,
/// weight_decay, l1, eps >= 0, betas and alpha in [0, 1), Nesterov only with momentum and no
/// dampening). The step functions below call them; optimizers call them when constructed.
void check_hyperparameters(const SgdParams& hp, const char* op);
void check_hyperparameters(const AdagradParams& hp, const char* op);
void check_hyperparameters(const RmspropParams& hp, const char* op);
void check_hyperparameters(const AdamParams& hp, const char* op);
void check_hyperparameters(const AdamWParams& hp, const char* op);

/// SGD; momentum_buffers needed when momentum != 0.
void sgd_step(const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers,
              const SgdParams& hp, const StepScalars& scalars = {});
/// AdaGrad; state_sums start at initial_accumulator_value (taken from hp at t = 1).
void adagrad_step(const TensorList& params, const TensorList& grads, const TensorList& state_sums,
                  const AdagradParams& hp, const StepScalars& scalars = {});
/// RMSProp; momentum_buffers needed when momentum != 0, grad_avgs when centered.
void rmsprop_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                  const TensorList& momentum_buffers, const TensorList& grad_avgs, const RmspropParams& hp,
                  const StepScalars& scalars = {});
/// Adam (or AdamW with hp.decoupled_weight_decay); max_exp_avg_sqs needed with amsgrad.
void adam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
               const TensorList& exp_avg_sqs, const TensorList& max_exp_avg_sqs, const AdamParams& hp,
               const StepScalars& scalars = {});
void adamw_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const TensorList& max_exp_avg_sqs, const AdamWParams& hp,
                const StepScalars& scalars = {});

// Utilities over any floating dtype (16-bit floats computed in float).

/// EMA / Polyak averaging: e = decay*e + (1-decay)*p for every pair, decay in [0, 1].
void ema_update(const TensorList& ema_params, const TensorList& params, double decay);

/// Clips by the global L2 norm: n = sqrt(sum of g^2 over all grads), every g *= c when
/// c = max_norm/(n + 1e-6) < 1. Computed on the grads' device without a host round trip;
/// returns n as a one-element float64 tensor there (read it with item() only if needed).
/// The sum is deterministic (fixed per-chunk partials, then a fixed-order reduction).
Tensor clip_grad_norm(const TensorList& grads, double max_norm);

/// Mixed precision: g *= inv_scale for every grad, and found_inf (a one-element float32
/// tensor on the grads' device) is set to 1 if any grad held inf or NaN (else untouched).
/// inv_scale is a one-element float32/float64 tensor on that device, or a number.
void unscale_grads(const TensorList& grads, const Tensor& inv_scale, const Tensor& found_inf);
void unscale_grads(const TensorList& grads, double inv_scale, const Tensor& found_inf);

}  // namespace minidl::kernels
