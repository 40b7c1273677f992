// StochasticDepth over the differentiable stochastic_depth() op, and the residual block that
// routes its branch through it. The convs have no bias: the batch norm after each has one.
#include "layers/stochastic_depth.h"

#include "core/ops/elementwise.h"
#include "kernels/math/stochastic_depth.h"
#include "layers/repr.h"

namespace minidl::nn {

StochasticDepth::StochasticDepth(double drop_prob, StochasticDepthMode mode)
    : Module("StochasticDepth"), drop_prob_(drop_prob), mode_(mode) {
  MINIDL_CHECK(drop_prob >= 0.0 && drop_prob <= 1.0, ValueError,
               "StochasticDepth: drop_prob must be in [0, 1], got ", drop_prob);
}

Tensor StochasticDepth::forward(const Tensor& input) {
  return stochastic_depth(input, drop_prob_, mode_, is_training(), generator_);
}

std::string StochasticDepth::extra_repr() const {
  return detail::str_cat("p=", repr::py_float(drop_prob_), ", mode=", to_string(mode_));
}

std::vector<double> linear_drop_probs(int64_t num_blocks, double last_drop_prob) {
  MINIDL_CHECK(num_blocks >= 0, ValueError, "linear_drop_probs: num_blocks must be non-negative, got ",
               num_blocks);
  MINIDL_CHECK(last_drop_prob >= 0.0 && last_drop_prob <= 1.0, ValueError,
               "linear_drop_probs: last_drop_prob must be in [0, 1], got ", last_drop_prob);
  std::vector<double> probs;
  probs.reserve(static_cast<std::size_t>(num_blocks));
  for (int64_t l = 1; l <= num_blocks; ++l)
    probs.push_back(kernels::linear_drop_prob(l, num_blocks, last_drop_prob));
  return probs;
}

ResidualBlock::ResidualBlock(int64_t in_channels, int64_t out_channels, ResidualBlockOptions options)
    : Module("ResidualBlock") {
  MINIDL_CHECK(in_channels > 0 && out_channels > 0 && options.stride > 0, ValueError,
               "ResidualBlock: channels (", in_channels, ", ", out_channels, ") and stride ", options.stride,
               " must be positive");
  conv1 = register_module(
      "conv1", std::make_shared<Conv2d>(
                   in_channels, out_channels,
                   Conv2dOptions{.kernel_size = 3, .stride = options.stride, .padding = 1, .bias = false}));
  bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(out_channels));
  conv2 = register_module(
      "conv2", std::make_shared<Conv2d>(out_channels, out_channels,
                                        Conv2dOptions{.kernel_size = 3, .padding = 1, .bias = false}));
  bn2 = register_module("bn2", std::make_shared<BatchNorm2d>(out_channels));
  if (options.stride != 1 || in_channels != out_channels) {
    downsample = register_module(
        "downsample", std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
                          std::make_shared<Conv2d>(
                              in_channels, out_channels,
                              Conv2dOptions{.kernel_size = 1, .stride = options.stride, .bias = false}),
                          std::make_shared<BatchNorm2d>(out_channels)}));
  }
  stochastic_depth =
      register_module("stochastic_depth", std::make_shared<StochasticDepth>(options.drop_prob, options.mode));
}

Tensor ResidualBlock::forward(const Tensor& input) {
  const Tensor branch = (*bn2)((*conv2)(relu((*bn1)((*conv1)(input)))));
  return relu((*stochastic_depth)(branch) + (downsample ? (*downsample)(input) : input));
}

}  // namespace minidl::nn
