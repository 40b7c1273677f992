// The activation modules call the functional ops; nothing is stored between calls.
#include "layers/activation.h"

#include "core/ops/elementwise.h"
#include "layers/repr.h"

namespace minidl::nn {

Tensor ReLU::forward(const Tensor& input) { return relu(input); }
Tensor LeakyReLU::forward(const Tensor& input) { return leaky_relu(input, negative_slope_); }
Tensor GELU::forward(const Tensor& input) { return gelu(input); }
Tensor Sigmoid::forward(const Tensor& input) { return sigmoid(input); }
Tensor Tanh::forward(const Tensor& input) { return minidl::tanh(input); }

std::string LeakyReLU::extra_repr() const {
  return detail::str_cat("negative_slope=", repr::py_float(negative_slope_));
}
std::string GELU::extra_repr() const { return "approximate='none'"; }

}  // namespace minidl::nn
