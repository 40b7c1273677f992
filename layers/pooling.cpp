// The pooling modules hold their window configuration and call the functional ops,
// which check it against the input.
#include "layers/pooling.h"

#include "core/ops/pooling.h"

namespace minidl::nn {

Tensor MaxPool2d::forward(const Tensor& input) {
  return max_pool2d(input, kernel_size_, options_.stride, options_.padding);
}

Tensor AvgPool2d::forward(const Tensor& input) {
  return avg_pool2d(input, kernel_size_, options_.stride, options_.padding, options_.count_include_pad);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) { return adaptive_avg_pool2d(input, output_size_); }

}  // namespace minidl::nn
