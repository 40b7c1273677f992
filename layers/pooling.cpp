// The pooling modules hold their window configuration and call the functional ops,
// which check it against the input.
#include "layers/pooling.h"

#include "core/ops/pooling.h"
#include "layers/repr.h"

namespace minidl::nn {

Tensor MaxPool2d::forward(const Tensor& input) {
  return max_pool2d(input, kernel_size_, options_.stride, options_.padding);
}

Tensor AvgPool2d::forward(const Tensor& input) {
  return avg_pool2d(input, kernel_size_, options_.stride, options_.padding, options_.count_include_pad);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) { return adaptive_avg_pool2d(input, output_size_); }

// stride 0 is PyTorch's stride=None, which it stores (and prints) as the kernel size.
std::string MaxPool2d::extra_repr() const {
  return detail::str_cat("kernel_size=", repr::py_size(kernel_size_), ", stride=",
                         repr::py_size(options_.stride == Size2(0) ? kernel_size_ : options_.stride),
                         ", padding=", repr::py_size(options_.padding), ", dilation=1, ceil_mode=False");
}

std::string AvgPool2d::extra_repr() const {
  return detail::str_cat("kernel_size=", repr::py_size(kernel_size_), ", stride=",
                         repr::py_size(options_.stride == Size2(0) ? kernel_size_ : options_.stride),
                         ", padding=", repr::py_size(options_.padding));
}

std::string AdaptiveAvgPool2d::extra_repr() const {
  return detail::str_cat("output_size=", repr::py_size(output_size_));
}

}  // namespace minidl::nn
