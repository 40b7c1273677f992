// FractionalMaxPool2d: the output size from output_size or output_ratio, fresh samples from the
// generator on every call, then the differentiable fractional_max_pool2d op.
#include "layers/fractional_pool.h"

#include "layers/repr.h"

namespace minidl::nn {

FractionalMaxPool2d::FractionalMaxPool2d(Size2 kernel_size, FractionalMaxPool2dOptions options)
    : Module("FractionalMaxPool2d"), kernel_size_(kernel_size), options_(options) {
  MINIDL_CHECK(options.output_size.has_value() != options.output_ratio.has_value(), ValueError,
               "FractionalMaxPool2d requires specifying either an output_size or an output_ratio, not ",
               options.output_size ? "both" : "neither");
  MINIDL_CHECK(kernel_size.h > 0 && kernel_size.w > 0, ValueError, "FractionalMaxPool2d: kernel_size (",
               kernel_size.h, ", ", kernel_size.w, ") must be positive");
  if (options.output_ratio) {
    const Ratio2 r = *options.output_ratio;
    MINIDL_CHECK(r.h > 0.0 && r.h < 1.0 && r.w > 0.0 && r.w < 1.0, ValueError,
                 "FractionalMaxPool2d: output_ratio must be between 0 and 1 (exclusive), got (", r.h, ", ",
                 r.w, ")");
  }
}

Size2 FractionalMaxPool2d::output_size(const Shape& input_shape) const {
  return options_.output_size ? *options_.output_size
                              : fractional_output_size(input_shape, *options_.output_ratio);
}

std::pair<Tensor, Tensor> FractionalMaxPool2d::forward_with_indices(const Tensor& input) {
  return fractional_max_pool2d_with_indices(input, kernel_size_, output_size(input.shape()),
                                            fractional_pool_samples(input, generator_));
}

std::string FractionalMaxPool2d::extra_repr() const {
  if (options_.output_size)
    return detail::str_cat("kernel_size=", repr::py_pair(kernel_size_),
                           ", output_size=", repr::py_pair(*options_.output_size));
  return detail::str_cat("kernel_size=", repr::py_pair(kernel_size_),
                         ", output_ratio=", repr::py_pair(*options_.output_ratio));
}

Tensor FractionalMaxPool2d::forward(const Tensor& input) { return forward_with_indices(input).first; }

}  // namespace minidl::nn
