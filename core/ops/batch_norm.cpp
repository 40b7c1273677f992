// Differentiable batch norm over kernels/batch_norm.h: the forward saves the per-channel
// mean and inverse std (batch statistics in training, running ones in evaluation) and, with
// a fused ReLU, its output; backward is the kernels' two-pass backward.
#include "core/ops/batch_norm.h"

#include "core/autograd.h"
#include "kernels/batch_norm.h"

namespace minidl {

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps,
                  bool fuse_relu) {
  MINIDL_CHECK(input.defined() && input.dim() >= 2, ShapeError,
               "batch_norm: expected an input of shape (N, C) or (N, C, *), got ",
               input.defined() ? shape_str(input.shape()) : std::string("an undefined tensor"));
  // The running statistics are updated in place, so they are passed as they are (the kernels
  // require them contiguous); everything else may be a strided view.
  const auto packed = [](const Tensor& t) { return t.defined() ? t.contiguous() : t; };
  const kernels::BatchNormInputs in{input.contiguous(), packed(weight), packed(bias), running_mean,
                                    running_var};
  const kernels::BatchNormOptions options{.momentum = momentum, .eps = eps, .fuse_relu = fuse_relu};
  const Tensor output = empty(input.shape(), {.dtype = input.dtype(), .device = input.device()});
  const kernels::BatchNormStats stats = kernels::make_batch_norm_stats(input);
  if (training)
    kernels::batch_norm_train_forward(in, output, stats, options);
  else
    kernels::batch_norm_eval_forward(in, output, stats, options);

  const bool want_input = input.requires_grad();
  const bool want_weight = weight.defined() && weight.requires_grad();
  const bool want_bias = bias.defined() && bias.requires_grad();
  // Only what backward reads is kept: the input, the weight, the statistics, and the output
  // when a fused ReLU masks the gradient by it.
  const kernels::BatchNormInputs saved{
      in.input.detach(), weight.defined() ? weight.detach() : Tensor(), {}, {}, {}};
  autograd::record(
      "batch_norm", output, {input, weight, bias}, {in.input, weight, fuse_relu ? output : Tensor()},
      [saved, stats, out = fuse_relu ? output.detach() : Tensor(), training, fuse_relu, want_input,
       want_weight, want_bias, bias_like = bias.defined() ? bias.detach() : Tensor()](const Tensor& grad) {
        const Tensor dy = grad.contiguous();
        kernels::BatchNormGrads grads;
        if (want_input) grads.input = empty_like(saved.input);
        if (want_weight) grads.weight = empty_like(saved.weight);
        if (want_bias) grads.bias = empty_like(bias_like);
        kernels::batch_norm_backward(dy, saved, out, stats, training, fuse_relu, grads);
        return std::vector<Tensor>{grads.input, grads.weight, grads.bias};
      });
  return output;
}

}  // namespace minidl
