// Parameter initializers with torch.nn.init's formulas, drawing from a Generator
// (the tensor device's default when null). Kaiming (He et al. 2015):
// std = gain / sqrt(fan), uniform bound sqrt(3) * std; Xavier (Glorot & Bengio 2010):
// std = gain * sqrt(2 / (fan_in + fan_out)). All fill in place and return the tensor.
#pragma once

#include <cstdint>

#include "core/generator.h"
#include "core/tensor.h"

namespace minidl::nn::init {

/// Which fan Kaiming scales by: fan_in keeps the forward variance, fan_out the backward's.
enum class FanMode { FanIn, FanOut };

/// The nonlinearity that follows the layer, for calculate_gain.
enum class Nonlinearity { Linear, Conv, Sigmoid, Tanh, ReLU, LeakyReLU, SELU };

/// torch.nn.init.calculate_gain: 1 (linear, conv, sigmoid), 5/3 (tanh), sqrt(2) (relu),
/// sqrt(2 / (1 + negative_slope^2)) (leaky_relu), 3/4 (selu).
double calculate_gain(Nonlinearity nonlinearity, double negative_slope = 0.01);

struct Fans {
  int64_t fan_in = 0;
  int64_t fan_out = 0;
};
/// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (receptive field =
/// product of dims 2..); ValueError for fewer than 2 dims, as PyTorch.
Fans calculate_fans(const Tensor& tensor);

struct KaimingOptions {
  double a = 0.0;  // negative slope of the leaky ReLU that follows (0 for ReLU)
  FanMode mode = FanMode::FanIn;
  Nonlinearity nonlinearity = Nonlinearity::LeakyReLU;
};

const Tensor& uniform_(const Tensor& tensor, double low = 0.0, double high = 1.0,
                       Generator* generator = nullptr);
const Tensor& normal_(const Tensor& tensor, double mean = 0.0, double stddev = 1.0,
                      Generator* generator = nullptr);
const Tensor& constant_(const Tensor& tensor, double value);
const Tensor& zeros_(const Tensor& tensor);
const Tensor& ones_(const Tensor& tensor);

/// U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).
const Tensor& xavier_uniform_(const Tensor& tensor, double gain = 1.0, Generator* generator = nullptr);
/// N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
const Tensor& xavier_normal_(const Tensor& tensor, double gain = 1.0, Generator* generator = nullptr);
/// U(-b, b) with b = sqrt(3) * gain(nonlinearity, a) / sqrt(fan).
const Tensor& kaiming_uniform_(const Tensor& tensor, KaimingOptions options = {},
                               Generator* generator = nullptr);
/// N(0, std^2) with std = gain(nonlinearity, a) / sqrt(fan).
const Tensor& kaiming_normal_(const Tensor& tensor, KaimingOptions options = {},
                              Generator* generator = nullptr);

/// The default initialization of Linear and Conv (PyTorch's reset_parameters): weight by
/// kaiming_uniform_(a = sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias (if
/// defined) from the same interval.
void default_layer_init_(const Tensor& weight, const Tensor& bias, Generator* generator = nullptr);

}  // namespace minidl::nn::init
