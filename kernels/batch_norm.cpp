// Dispatch of the batch-norm kernels to the CPU or CUDA backend after checking shapes, dtypes
// and devices (each message names the tensors at fault). Both backends take their arithmetic
// from kernels/math/batch_norm.h.
#include "kernels/batch_norm.h"

#include "kernels/batch_norm_backend.h"
#include "kernels/cpu/batch_norm.h"
#include "kernels/ops.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/batch_norm.h"
#endif

namespace minidl::kernels {
namespace {

void check_like(const Tensor& t, const char* name, const Tensor& like, const char* like_name,
                const char* op) {
  MINIDL_CHECK(t.defined(), ValueError, op, ": ", name, " is undefined");
  MINIDL_CHECK(t.shape() == like.shape(), ShapeError, op, ": ", name, " of shape ", shape_str(t.shape()),
               " for ", like_name, " of shape ", shape_str(like.shape()));
  MINIDL_CHECK(t.dtype() == like.dtype(), DTypeError, op, ": ", name, " of dtype ", t.dtype(), " for ",
               like_name, " of dtype ", like.dtype());
  MINIDL_CHECK(t.device() == like.device(), DeviceError, op, ": ", name, " on ", t.device(), " for ",
               like_name, " on ", like.device());
  MINIDL_CHECK(t.is_contiguous(), ValueError, op, ": ", name, " must be contiguous, got strides ",
               shape_str(t.strides()));
}

// A per-channel tensor: (C), on the input's device, contiguous, of the parameters' dtype.
void check_channel(const Tensor& t, const char* name, const Tensor& input, DType params, const char* op) {
  if (!t.defined()) return;
  MINIDL_CHECK(t.shape() == Shape{input.size(1)}, ShapeError, op, ": ", name, " of shape ",
               shape_str(t.shape()), " for input of shape ", shape_str(input.shape()), " (expected [",
               input.size(1), "])");
  MINIDL_CHECK(t.dtype() == params, DTypeError, op, ": ", name, " of dtype ", t.dtype(),
               " differs from the other parameters' ", params);
  MINIDL_CHECK(t.device() == input.device(), DeviceError, op, ": ", name, " on ", t.device(),
               " for input on ", input.device());
  MINIDL_CHECK(t.is_contiguous(), ValueError, op, ": ", name, " must be contiguous, got strides ",
               shape_str(t.strides()));
}

void check_inputs(const BatchNormInputs& in, const char* op) {
  const Tensor& x = in.input;
  MINIDL_CHECK(x.defined(), ValueError, op, ": input is undefined");
  MINIDL_CHECK(x.dim() >= 2, ShapeError, op, ": expected an input of shape (N, C) or (N, C, *), got ",
               shape_str(x.shape()));
  MINIDL_CHECK(is_floating(x.dtype()), DTypeError, op, ": expected a floating input, got ", x.dtype());
  MINIDL_CHECK(x.is_contiguous(), ValueError, op, ": input must be contiguous, got strides ",
               shape_str(x.strides()));
  MINIDL_CHECK(in.running_mean.defined() == in.running_var.defined(), ValueError, op,
               ": running_mean and running_var must be both defined or both undefined");
  const DType params = detail::batch_norm_param_dtype(in);
  MINIDL_CHECK(params == x.dtype() || (params == DType::Float32 && element_size(x.dtype()) == 2), DTypeError,
               op, ": parameters of dtype ", params, " for input of dtype ", x.dtype(),
               " (expected the input's dtype, or float32 for a 16-bit input)");
  check_channel(in.weight, "weight", x, params, op);
  check_channel(in.bias, "bias", x, params, op);
  check_channel(in.running_mean, "running_mean", x, params, op);
  check_channel(in.running_var, "running_var", x, params, op);
}

void check_stats(const BatchNormStats& stats, const Tensor& input, const char* op) {
  const DType dtype = batch_norm_stats_dtype(input.dtype());
  const Shape shape{input.size(1)};
  for (const auto& [t, name] :
       {std::pair{&stats.mean, "saved mean"}, std::pair{&stats.invstd, "saved invstd"}}) {
    MINIDL_CHECK(t->defined(), ValueError, op, ": ", name, " is undefined");
    MINIDL_CHECK(t->shape() == shape && t->dtype() == dtype && t->is_contiguous(), ValueError, op, ": ", name,
                 " must be a contiguous ", dtype, " tensor of shape ", shape_str(shape), ", got ", t->dtype(),
                 " of shape ", shape_str(t->shape()));
    MINIDL_CHECK(t->device() == input.device(), DeviceError, op, ": ", name, " on ", t->device(),
                 " for input on ", input.device());
  }
}

void check_options(const BatchNormOptions& options, const char* op) {
  MINIDL_CHECK(options.eps > 0, ValueError, op, ": eps must be positive, got ", options.eps);
}

}  // namespace

DType batch_norm_stats_dtype(DType input) {
  return input == DType::Float64 ? DType::Float64 : DType::Float32;
}

BatchNormStats make_batch_norm_stats(const Tensor& input) {
  const TensorOptions options{.dtype = batch_norm_stats_dtype(input.dtype()), .device = input.device()};
  return {empty({input.size(1)}, options), empty({input.size(1)}, options)};
}

void batch_norm_train_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                              const BatchNormOptions& options) {
  const char* op = "batch_norm";
  check_inputs(in, op);
  check_like(output, "output", in.input, "input", op);
  check_stats(stats, in.input, op);
  check_options(options, op);
  MINIDL_CHECK(detail::batch_norm_shape(in.input).per_channel() > 1, ValueError,
               "Expected more than 1 value per channel when training, got input size ",
               shape_str(in.input.shape()));
  if (in.input.size(1) == 0) return;
  if (in.input.device().is_cpu())
    cpu::batch_norm_train_forward(in, output, stats, options);
  else
    MINIDL_CUDA_DISPATCH(cuda::batch_norm_train_forward(in, output, stats, options));
}

void batch_norm_eval_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                             const BatchNormOptions& options) {
  const char* op = "batch_norm";
  check_inputs(in, op);
  check_like(output, "output", in.input, "input", op);
  check_stats(stats, in.input, op);
  check_options(options, op);
  MINIDL_CHECK(
      in.running_mean.defined(), ValueError,
      "batch_norm: running_mean and running_var must be defined in evaluation mode (training=false)");
  if (in.input.size(1) == 0) return;
  if (in.input.device().is_cpu())
    cpu::batch_norm_eval_forward(in, output, stats, options);
  else
    MINIDL_CUDA_DISPATCH(cuda::batch_norm_eval_forward(in, output, stats, options));
}

void batch_norm_backward(const Tensor& grad_output, const BatchNormInputs& in, const Tensor& output,
                         const BatchNormStats& stats, bool training, bool fuse_relu,
                         const BatchNormGrads& grads) {
  const char* op = "batch_norm_backward";
  check_inputs(in, op);
  check_like(grad_output, "grad_output", in.input, "input", op);
  check_stats(stats, in.input, op);
  if (fuse_relu) check_like(output, "output", in.input, "input", op);
  if (grads.input.defined()) check_like(grads.input, "grad_input", in.input, "input", op);
  const DType params = detail::batch_norm_param_dtype(in);
  if (grads.weight.defined()) check_channel(grads.weight, "grad_weight", in.input, params, op);
  if (grads.bias.defined()) check_channel(grads.bias, "grad_bias", in.input, params, op);
  if (in.input.size(1) == 0) return;
  if (in.input.device().is_cpu())
    cpu::batch_norm_backward(grad_output, in, output, stats, training, fuse_relu, grads);
  else
    MINIDL_CUDA_DISPATCH(
        cuda::batch_norm_backward(grad_output, in, output, stats, training, fuse_relu, grads));
}

}  // namespace minidl::kernels
