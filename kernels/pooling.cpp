// Dispatch of pooling: shape and argument checks naming the input shape and window,
// contiguous operands, outputs allocated here, then kernels/cpu/pooling.cpp or the
// CUDA backend. 16-bit floats on the CPU compute in float32.
#include "kernels/pooling.h"

#include "kernels/cpu/pooling.h"
#include "kernels/ops.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/pooling.h"
#endif

namespace minidl::kernels {
namespace {

void check_input(const Tensor& x, const char* op) {
  MINIDL_CHECK(x.dim() == 4, ShapeError, op, ": expected an input [N, C, H, W], got shape ",
               shape_str(x.shape()));
  MINIDL_CHECK(is_floating(x.dtype()), DTypeError, op, ": expected a floating dtype, got ", x.dtype());
}

void check_grad(const Tensor& grad_out, const Tensor& x, const Shape& out_shape, const char* op) {
  MINIDL_CHECK(grad_out.shape() == out_shape, ShapeError, op, " backward: gradient of shape ",
               shape_str(grad_out.shape()), " for an output of shape ", shape_str(out_shape));
  MINIDL_CHECK(grad_out.dtype() == x.dtype() && grad_out.device() == x.device(), DTypeError, op,
               " backward: gradient is ", grad_out.dtype(), " on ", grad_out.device(), ", input ", x.dtype(),
               " on ", x.device());
}

bool cpu_16bit(const Tensor& x) {
  return x.device().is_cpu() && x.dtype() != DType::Float32 && x.dtype() != DType::Float64;
}
Tensor to_float(const Tensor& t) { return t.to(DType::Float32); }
Tensor output_like(const Tensor& x, const Shape& shape) {
  return empty(shape, {.dtype = x.dtype(), .device = x.device()});
}

#if defined(MINIDL_WITH_CUDA)
cuda::PoolMode cuda_mode(bool max) { return max ? cuda::PoolMode::Max : cuda::PoolMode::Average; }
#endif

Tensor pool_forward(const Tensor& x, const Pool2dParams& p, bool max) {
  const char* op = max ? "max_pool2d" : "avg_pool2d";
  check_input(x, op);
  const Tensor out = output_like(x, pool2d_output_shape(x.shape(), p, op));
  if (out.numel() == 0) return out;
  if (cpu_16bit(x)) {
    out.copy_(pool_forward(to_float(x), p, max));
    return out;
  }
  const Tensor xc = x.contiguous();
  if (x.device().is_cpu())
    max ? cpu::max_pool2d_forward(xc, p, out) : cpu::avg_pool2d_forward(xc, p, out);
  else
    MINIDL_CUDA_DISPATCH(cuda::pool2d_forward(xc, p, cuda_mode(max), out));
  return out;
}

Tensor pool_backward(const Tensor& grad_out, const Tensor& x, const Tensor& out, const Pool2dParams& p,
                     bool max) {
  const char* op = max ? "max_pool2d" : "avg_pool2d";
  check_input(x, op);
  check_grad(grad_out, x, pool2d_output_shape(x.shape(), p, op), op);
  const Tensor grad_input = output_like(x, x.shape());
  if (grad_out.numel() == 0) {
    fill(grad_input, 0.0);
    return grad_input;
  }
  if (cpu_16bit(x)) {
    grad_input.copy_(pool_backward(to_float(grad_out), to_float(x), to_float(out), p, max));
    return grad_input;
  }
  const Tensor gc = grad_out.contiguous(), xc = x.contiguous();
  if (x.device().is_cpu()) {
    max ? cpu::max_pool2d_backward(gc, xc, p, grad_input) : cpu::avg_pool2d_backward(gc, p, grad_input);
  } else {
    MINIDL_CUDA_DISPATCH(cuda::pool2d_backward(gc, xc, out.contiguous(), p, cuda_mode(max), grad_input));
  }
  return grad_input;
}

}  // namespace

Shape pool2d_output_shape(const Shape& x, const Pool2dParams& p, const char* op) {
  MINIDL_CHECK(p.kernel.h > 0 && p.kernel.w > 0 && p.stride.h > 0 && p.stride.w > 0, ValueError, op,
               ": kernel (", p.kernel.h, ", ", p.kernel.w, ") and stride (", p.stride.h, ", ", p.stride.w,
               ") must be positive");
  MINIDL_CHECK(
      p.padding.h >= 0 && p.padding.w >= 0 && 2 * p.padding.h <= p.kernel.h && 2 * p.padding.w <= p.kernel.w,
      ValueError, op, ": padding (", p.padding.h, ", ", p.padding.w,
      ") must be non-negative and at most half the kernel (", p.kernel.h, ", ", p.kernel.w, ")");
  MINIDL_CHECK(x.size() == 4, ShapeError, op, ": expected an input [N, C, H, W], got shape ", shape_str(x));
  const int64_t oh = window_output_size(x[2], p.kernel.h, p.stride.h, p.padding.h);
  const int64_t ow = window_output_size(x[3], p.kernel.w, p.stride.w, p.padding.w);
  MINIDL_CHECK(oh > 0 && ow > 0, ShapeError, op, ": input of shape ", shape_str(x), " padded by (",
               p.padding.h, ", ", p.padding.w, ") is smaller than the kernel (", p.kernel.h, ", ", p.kernel.w,
               ")");
  return {x[0], x[1], oh, ow};
}

Tensor max_pool2d(const Tensor& x, const Pool2dParams& p) { return pool_forward(x, p, true); }
Tensor avg_pool2d(const Tensor& x, const Pool2dParams& p) { return pool_forward(x, p, false); }

Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& out,
                           const Pool2dParams& p) {
  return pool_backward(grad_out, x, out, p, true);
}
Tensor avg_pool2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& out,
                           const Pool2dParams& p) {
  return pool_backward(grad_out, x, out, p, false);
}

Tensor adaptive_avg_pool2d(const Tensor& x, Size2 size) {
  check_input(x, "adaptive_avg_pool2d");
  MINIDL_CHECK(size.h > 0 && size.w > 0, ValueError, "adaptive_avg_pool2d: output size (", size.h, ", ",
               size.w, ") must be positive");
  MINIDL_CHECK(x.size(2) > 0 && x.size(3) > 0, ShapeError, "adaptive_avg_pool2d: input of shape ",
               shape_str(x.shape()), " has an empty plane");
  const Tensor out = output_like(x, {x.size(0), x.size(1), size.h, size.w});
  if (out.numel() == 0) return out;
  if (cpu_16bit(x)) {
    out.copy_(adaptive_avg_pool2d(to_float(x), size));
    return out;
  }
  const Tensor xc = x.contiguous();
  if (x.device().is_cpu())
    cpu::adaptive_avg_pool2d_forward(xc, out);
  else
    MINIDL_CUDA_DISPATCH(cuda::adaptive_avg_pool2d_forward(xc, out));
  return out;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& grad_out, const Tensor& x) {
  check_input(x, "adaptive_avg_pool2d");
  MINIDL_CHECK(grad_out.dim() == 4 && grad_out.size(0) == x.size(0) && grad_out.size(1) == x.size(1),
               ShapeError, "adaptive_avg_pool2d backward: gradient of shape ", shape_str(grad_out.shape()),
               " for an input of shape ", shape_str(x.shape()));
  check_grad(grad_out, x, grad_out.shape(), "adaptive_avg_pool2d");
  const Tensor grad_input = output_like(x, x.shape());
  if (grad_input.numel() == 0) return grad_input;
  if (cpu_16bit(x)) {  // x only lends its shape here, so a float32 stand-in needs no copy
    grad_input.copy_(adaptive_avg_pool2d_backward(to_float(grad_out), empty(x.shape())));
    return grad_input;
  }
  const Tensor gc = grad_out.contiguous();
  if (x.device().is_cpu())
    cpu::adaptive_avg_pool2d_backward(gc, grad_input);
  else
    MINIDL_CUDA_DISPATCH(cuda::adaptive_avg_pool2d_backward(gc, grad_input));
  return grad_input;
}

}  // namespace minidl::kernels
