// Dispatch of conv2d: argument and shape checks with messages naming the shapes,
// contiguous operands, outputs allocated here, then kernels/cpu/conv.cpp (im2col +
// OpenBLAS) or kernels/cuda/conv.cpp (cuDNN). 16-bit floats on the CPU compute in float32.
#include "kernels/conv.h"

#include "kernels/cpu/conv.h"
#include "kernels/ops.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/conv.h"
#endif

namespace minidl::kernels {
namespace {

void check_params(const Conv2dParams& p) {
  MINIDL_CHECK(p.stride.h > 0 && p.stride.w > 0 && p.dilation.h > 0 && p.dilation.w > 0 && p.groups > 0 &&
                   p.padding.h >= 0 && p.padding.w >= 0,
               ValueError, "conv2d: stride (", p.stride.h, ", ", p.stride.w, "), dilation (", p.dilation.h,
               ", ", p.dilation.w, ") and groups ", p.groups, " must be positive and padding (", p.padding.h,
               ", ", p.padding.w, ") non-negative");
}

void check_operands(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  MINIDL_CHECK(
      is_floating(x.dtype()) && x.dtype() == weight.dtype() && (!bias.defined() || bias.dtype() == x.dtype()),
      DTypeError, "conv2d: input ", x.dtype(), ", weight ", weight.dtype(), (bias.defined() ? ", bias " : ""),
      (bias.defined() ? dtype_name(bias.dtype()) : ""), ": expected one floating dtype");
  MINIDL_CHECK(x.device() == weight.device() && (!bias.defined() || bias.device() == x.device()), DeviceError,
               "conv2d: input on ", x.device(), ", weight on ", weight.device(),
               (bias.defined() ? ", bias on " : ""), (bias.defined() ? bias.device().str() : ""));
  MINIDL_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0)), ShapeError,
               "conv2d: bias of shape ", shape_str(bias.defined() ? bias.shape() : Shape{}),
               " does not match weight of shape ", shape_str(weight.shape()), " (expected [", weight.size(0),
               "])");
}

bool cpu_16bit(const Tensor& x) {
  return x.device().is_cpu() && x.dtype() != DType::Float32 && x.dtype() != DType::Float64;
}

Tensor to_float(const Tensor& t) { return t.defined() ? t.to(DType::Float32) : t; }
Tensor to_dtype(const Tensor& t, DType dtype) { return t.defined() ? t.to(dtype) : t; }

}  // namespace

Shape conv2d_output_shape(const Shape& x, const Shape& w, const Conv2dParams& p) {
  check_params(p);
  MINIDL_CHECK(x.size() == 4 && w.size() == 4, ShapeError,
               "conv2d: expected input [N, C, H, W] and weight [O, C/groups, kh, kw], got ", shape_str(x),
               " and ", shape_str(w));
  MINIDL_CHECK(w[1] > 0 && w[2] > 0 && w[3] > 0 && w[0] % p.groups == 0, ShapeError,
               "conv2d: weight of shape ", shape_str(w), " is not valid with groups = ", p.groups,
               " (out channels must divide into the groups)");
  MINIDL_CHECK(x[1] == w[1] * p.groups, ShapeError, "conv2d: input of shape ", shape_str(x), " has ", x[1],
               " channels but weight of shape ", shape_str(w), " expects ", w[1] * p.groups, " (", w[1],
               " per group x ", p.groups, " groups)");
  const int64_t oh = window_output_size(x[2], w[2], p.stride.h, p.padding.h, p.dilation.h);
  const int64_t ow = window_output_size(x[3], w[3], p.stride.w, p.padding.w, p.dilation.w);
  MINIDL_CHECK(oh > 0 && ow > 0, ShapeError, "conv2d: input of shape ", shape_str(x), " padded by (",
               p.padding.h, ", ", p.padding.w, ") is smaller than the dilated kernel of weight ",
               shape_str(w), " (output would be ", oh, " x ", ow, ")");
  return {x[0], w[0], oh, ow};
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dParams& p) {
  const Shape out_shape = conv2d_output_shape(x.shape(), weight.shape(), p);
  check_operands(x, weight, bias);
  if (cpu_16bit(x)) return conv2d(to_float(x), to_float(weight), to_float(bias), p).to(x.dtype());
  const Tensor out = empty(out_shape, {.dtype = x.dtype(), .device = x.device()});
  if (out.numel() == 0) return out;
  const Tensor xc = x.contiguous(), wc = weight.contiguous();
  const Tensor bc = bias.defined() ? bias.contiguous() : bias;
  if (x.device().is_cpu())
    cpu::conv2d_forward(xc, wc, bc, p, out);
  else
    MINIDL_CUDA_DISPATCH(cuda::conv2d_forward(xc, wc, bc, p, out));
  return out;
}

Conv2dGrads conv2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                            const Conv2dParams& p, bool need_input, bool need_weight, bool need_bias) {
  const Shape out_shape = conv2d_output_shape(x.shape(), weight.shape(), p);
  check_operands(x, weight, Tensor());
  MINIDL_CHECK(grad_out.shape() == out_shape, ShapeError, "conv2d backward: gradient of shape ",
               shape_str(grad_out.shape()), " for an output of shape ", shape_str(out_shape));
  MINIDL_CHECK(grad_out.dtype() == x.dtype() && grad_out.device() == x.device(), DTypeError,
               "conv2d backward: gradient is ", grad_out.dtype(), " on ", grad_out.device(), ", input ",
               x.dtype(), " on ", x.device());
  if (cpu_16bit(x)) {
    const Conv2dGrads g = conv2d_backward(to_float(grad_out), to_float(x), to_float(weight), p, need_input,
                                          need_weight, need_bias);
    return {to_dtype(g.input, x.dtype()), to_dtype(g.weight, x.dtype()), to_dtype(g.bias, x.dtype())};
  }
  const TensorOptions options{.dtype = x.dtype(), .device = x.device()};
  Conv2dGrads grads;
  if (need_input) grads.input = empty(x.shape(), options);
  if (need_weight) grads.weight = empty(weight.shape(), options);
  if (need_bias) grads.bias = empty({weight.size(0)}, options);
  if (grad_out.numel() == 0) {  // an empty batch: nothing reaches the weights
    for (const Tensor& g : {grads.input, grads.weight, grads.bias})
      if (g.defined()) fill(g, 0.0);
    return grads;
  }
  const Tensor gc = grad_out.contiguous(), xc = x.contiguous(), wc = weight.contiguous();
  if (x.device().is_cpu())
    cpu::conv2d_backward(gc, xc, wc, p, grads.input, grads.weight, grads.bias);
  else
    MINIDL_CUDA_DISPATCH(cuda::conv2d_backward(gc, xc, wc, p, grads.input, grads.weight, grads.bias));
  return grads;
}

}  // namespace minidl::kernels
