// Dispatch of fractional max pooling: shape checks naming the input, samples, kernel and output
// size; contiguous operands; samples cast to the window arithmetic's type (float, or double for
// double inputs, as PyTorch computes them); then the CPU loops or the CUDA kernels.
#include "kernels/fractional_pool.h"

#include "kernels/cpu/fractional_pool.h"
#include "kernels/ops.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/fractional_pool.h"
#endif

namespace minidl::kernels {
namespace {

constexpr const char* kOp = "fractional_max_pool2d";

// The samples as the kernels read them: contiguous, in the arithmetic type of x's windows.
Tensor samples_for(const Tensor& samples, DType x_dtype) {
  return samples.to(x_dtype == DType::Float64 ? DType::Float64 : DType::Float32).contiguous();
}

void check_operands(const Tensor& x_like, DType x_dtype, const Tensor& samples) {
  MINIDL_CHECK(is_floating(x_dtype), DTypeError, kOp, ": expected a floating dtype, got ", x_dtype);
  MINIDL_CHECK(is_floating(samples.dtype()), DTypeError, kOp, ": expected floating samples, got ",
               samples.dtype());
  MINIDL_CHECK(samples.device() == x_like.device(), DeviceError, kOp, ": samples on ", samples.device(),
               ", input on ", x_like.device());
}

}  // namespace

Shape fractional_max_pool2d_output_shape(const Shape& x, const Shape& samples, Size2 kernel,
                                         Size2 output_size) {
  MINIDL_CHECK(x.size() == 4, ShapeError, kOp, ": expected an input [N, C, H, W], got shape ", shape_str(x));
  MINIDL_CHECK(samples.size() == 3 && samples[0] == x[0] && samples[1] == x[1] && samples[2] == 2, ShapeError,
               kOp, ": expected samples [", x[0], ", ", x[1], ", 2] for an input of shape ", shape_str(x),
               ", got shape ", shape_str(samples));
  MINIDL_CHECK(kernel.h > 0 && kernel.w > 0, ValueError, kOp, ": kernel (", kernel.h, ", ", kernel.w,
               ") must be positive");
  MINIDL_CHECK(output_size.h > 0 && output_size.w > 0, ShapeError, kOp, ": output size (", output_size.h,
               ", ", output_size.w, ") must be positive (input of shape ", shape_str(x), ")");
  MINIDL_CHECK(output_size.h + kernel.h - 1 <= x[2] && output_size.w + kernel.w - 1 <= x[3], ShapeError, kOp,
               ": output size (", output_size.h, ", ", output_size.w, ") with kernel (", kernel.h, ", ",
               kernel.w, ") needs an input of at least (", output_size.h + kernel.h - 1, ", ",
               output_size.w + kernel.w - 1, ") but got shape ", shape_str(x));
  return {x[0], x[1], output_size.h, output_size.w};
}

FractionalPoolResult fractional_max_pool2d(const Tensor& x, const Tensor& samples, Size2 kernel,
                                           Size2 output_size) {
  const Shape out_shape = fractional_max_pool2d_output_shape(x.shape(), samples.shape(), kernel, output_size);
  check_operands(x, x.dtype(), samples);
  FractionalPoolResult result{empty(out_shape, {.dtype = x.dtype(), .device = x.device()}),
                              empty(out_shape, {.dtype = DType::Int64, .device = x.device()})};
  if (result.output.numel() == 0) return result;
  const Tensor xc = x.contiguous(), sc = samples_for(samples, x.dtype());
  if (x.device().is_cpu())
    cpu::fractional_max_pool2d_forward(xc, sc, kernel, result.output, result.indices);
  else
    MINIDL_CUDA_DISPATCH(cuda::fractional_max_pool2d_forward(xc, sc, kernel, result.output, result.indices));
  return result;
}

Tensor fractional_max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Tensor& samples,
                                      const Shape& input_shape, Size2 kernel) {
  MINIDL_CHECK(grad_out.dim() == 4, ShapeError, kOp, " backward: gradient of shape ",
               shape_str(grad_out.shape()), " for an input of shape ", shape_str(input_shape));
  const Shape out_shape = fractional_max_pool2d_output_shape(input_shape, samples.shape(), kernel,
                                                             {grad_out.size(2), grad_out.size(3)});
  MINIDL_CHECK(grad_out.shape() == out_shape && indices.shape() == out_shape, ShapeError, kOp,
               " backward: gradient of shape ", shape_str(grad_out.shape()), " and indices of shape ",
               shape_str(indices.shape()), " for an output of shape ", shape_str(out_shape));
  MINIDL_CHECK(indices.dtype() == DType::Int64 && indices.device() == grad_out.device(), DTypeError, kOp,
               " backward: expected int64 indices on ", grad_out.device(), ", got ", indices.dtype(), " on ",
               indices.device());
  check_operands(grad_out, grad_out.dtype(), samples);
  const Tensor grad_input = empty(input_shape, {.dtype = grad_out.dtype(), .device = grad_out.device()});
  if (grad_input.numel() == 0) return grad_input;
  const Tensor gc = grad_out.contiguous(), ic = indices.contiguous(),
               sc = samples_for(samples, grad_out.dtype());
  if (grad_out.device().is_cpu())
    cpu::fractional_max_pool2d_backward(gc, ic, grad_input);
  else
    MINIDL_CUDA_DISPATCH(cuda::fractional_max_pool2d_backward(gc, ic, sc, kernel, grad_input));
  return grad_input;
}

}  // namespace minidl::kernels
