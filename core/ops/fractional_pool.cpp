// Fractional max pooling ops over kernels/fractional_pool.h. Backward keeps the argmax indices
// and the (tiny) samples: the kernels regather each input's gradient from its windows. An
// unbatched [C, H, W] input runs as a batch of one and its gradient is reshaped back.
#include "core/ops/fractional_pool.h"

#include "core/autograd.h"
#include "core/random.h"
#include "kernels/fractional_pool.h"

namespace minidl {
namespace {

void check_rank(const Tensor& x) {
  MINIDL_CHECK(x.dim() == 3 || x.dim() == 4, ShapeError,
               "fractional_max_pool2d: expected an input [N, C, H, W] or [C, H, W], got shape ",
               shape_str(x.shape()));
}

}  // namespace

Size2 fractional_output_size(const Shape& input_shape, Ratio2 output_ratio) {
  MINIDL_CHECK(output_ratio.h > 0.0 && output_ratio.h < 1.0 && output_ratio.w > 0.0 && output_ratio.w < 1.0,
               ValueError, "fractional_max_pool2d: output_ratio must be between 0 and 1 (exclusive), got (",
               output_ratio.h, ", ", output_ratio.w, ")");
  MINIDL_CHECK(input_shape.size() >= 2, ShapeError,
               "fractional_max_pool2d: expected an input [.., H, W], got shape ", shape_str(input_shape));
  const int64_t in_h = input_shape[input_shape.size() - 2], in_w = input_shape.back();
  const Size2 size{static_cast<int64_t>(static_cast<double>(in_h) * output_ratio.h),
                   static_cast<int64_t>(static_cast<double>(in_w) * output_ratio.w)};
  MINIDL_CHECK(size.h > 0 && size.w > 0, ShapeError, "fractional_max_pool2d: output_ratio (", output_ratio.h,
               ", ", output_ratio.w, ") of an input of shape ", shape_str(input_shape),
               " gives an empty output (", size.h, ", ", size.w, ")");
  return size;
}

Tensor fractional_pool_samples(const Tensor& x, Generator* generator) {
  check_rank(x);
  const int64_t batch = x.dim() == 4 ? x.size(0) : 1;
  const DType dtype = x.dtype() == DType::Float64 ? DType::Float64 : DType::Float32;
  return rand({batch, x.size(-3), 2}, {.dtype = dtype, .device = x.device()}, generator);
}

std::pair<Tensor, Tensor> fractional_max_pool2d_with_indices(const Tensor& x, Size2 kernel, Size2 output_size,
                                                             const Tensor& samples) {
  check_rank(x);
  const Tensor x4 = x.dim() == 3 ? x.unsqueeze(0) : x;
  const kernels::FractionalPoolResult r = kernels::fractional_max_pool2d(x4, samples, kernel, output_size);
  const Tensor output = x.dim() == 3 ? r.output.squeeze(0) : r.output;
  autograd::record(
      "fractional_max_pool2d", output, {x},
      [indices = r.indices, samples = samples.detach(), x4_shape = x4.shape(), x_shape = x.shape(),
       kernel](const Tensor& grad) {
        const Tensor g4 = grad.reshape(indices.shape());
        return std::vector<Tensor>{
            kernels::fractional_max_pool2d_backward(g4, indices, samples, x4_shape, kernel).view(x_shape)};
      });
  return {output, x.dim() == 3 ? r.indices.squeeze(0) : r.indices};
}

Tensor fractional_max_pool2d(const Tensor& x, Size2 kernel, Size2 output_size, const Tensor& samples) {
  return fractional_max_pool2d_with_indices(x, kernel, output_size, samples).first;
}

Tensor fractional_max_pool2d(const Tensor& x, Size2 kernel, Size2 output_size, Generator* generator) {
  return fractional_max_pool2d(x, kernel, output_size, fractional_pool_samples(x, generator));
}

}  // namespace minidl
