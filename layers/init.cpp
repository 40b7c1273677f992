// torch.nn.init's formulas over core/random.h's in-place fills; fills run without
// recording, since initializing a parameter is not part of any computation to differentiate.
#include "layers/init.h"

#include <cmath>

#include "core/autograd.h"
#include "core/random.h"

namespace minidl::nn::init {

double calculate_gain(Nonlinearity nonlinearity, double negative_slope) {
  switch (nonlinearity) {
    case Nonlinearity::Tanh: return 5.0 / 3.0;
    case Nonlinearity::ReLU: return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU: return std::sqrt(2.0 / (1.0 + negative_slope * negative_slope));
    case Nonlinearity::SELU: return 3.0 / 4.0;
    default: return 1.0;
  }
}

Fans calculate_fans(const Tensor& tensor) {
  MINIDL_CHECK(tensor.dim() >= 2, ValueError,
               "fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions, got shape ",
               shape_str(tensor.shape()));
  int64_t receptive_field = 1;
  for (int64_t d = 2; d < tensor.dim(); ++d) receptive_field *= tensor.size(d);
  return {tensor.size(1) * receptive_field, tensor.size(0) * receptive_field};
}

namespace {
double kaiming_std(const Tensor& tensor, const KaimingOptions& options) {
  const Fans fans = calculate_fans(tensor);
  const int64_t fan = options.mode == FanMode::FanIn ? fans.fan_in : fans.fan_out;
  MINIDL_CHECK(fan > 0, ValueError, "kaiming init of a tensor with zero elements, shape ",
               shape_str(tensor.shape()));
  return calculate_gain(options.nonlinearity, options.a) / std::sqrt(static_cast<double>(fan));
}

double xavier_std(const Tensor& tensor, double gain) {
  const Fans fans = calculate_fans(tensor);
  return gain * std::sqrt(2.0 / static_cast<double>(fans.fan_in + fans.fan_out));
}
}  // namespace

const Tensor& uniform_(const Tensor& tensor, double low, double high, Generator* generator) {
  autograd::NoGradGuard no_grad;
  return minidl::uniform_(tensor, low, high, generator);
}

const Tensor& normal_(const Tensor& tensor, double mean, double stddev, Generator* generator) {
  autograd::NoGradGuard no_grad;
  return minidl::normal_(tensor, mean, stddev, generator);
}

const Tensor& constant_(const Tensor& tensor, double value) {
  autograd::NoGradGuard no_grad;
  return tensor.fill_(value);
}

const Tensor& zeros_(const Tensor& tensor) { return constant_(tensor, 0.0); }
const Tensor& ones_(const Tensor& tensor) { return constant_(tensor, 1.0); }

const Tensor& xavier_uniform_(const Tensor& tensor, double gain, Generator* generator) {
  const double bound = std::sqrt(3.0) * xavier_std(tensor, gain);
  return init::uniform_(tensor, -bound, bound, generator);
}

const Tensor& xavier_normal_(const Tensor& tensor, double gain, Generator* generator) {
  return init::normal_(tensor, 0.0, xavier_std(tensor, gain), generator);
}

const Tensor& kaiming_uniform_(const Tensor& tensor, KaimingOptions options, Generator* generator) {
  const double bound = std::sqrt(3.0) * kaiming_std(tensor, options);
  return init::uniform_(tensor, -bound, bound, generator);
}

const Tensor& kaiming_normal_(const Tensor& tensor, KaimingOptions options, Generator* generator) {
  return init::normal_(tensor, 0.0, kaiming_std(tensor, options), generator);
}

void default_layer_init_(const Tensor& weight, const Tensor& bias, Generator* generator) {
  kaiming_uniform_(weight, {.a = std::sqrt(5.0)}, generator);
  if (!bias.defined()) return;
  const int64_t fan_in = calculate_fans(weight).fan_in;
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  init::uniform_(bias, -bound, bound, generator);
}

}  // namespace minidl::nn::init
