// 2-d pooling modules, as torch.nn.MaxPool2d, AvgPool2d and AdaptiveAvgPool2d (ceil_mode
// false, dilation 1), over core/ops/pooling.h. stride 0 (the default) means stride =
// kernel_size, PyTorch's stride=None:  nn::MaxPool2d pool(2);  nn::AvgPool2d(3, {.stride = 1, .padding = 1});
#pragma once

#include "kernels/math/window.h"
#include "layers/module.h"

namespace minidl::nn {

struct MaxPool2dOptions {
  Size2 stride = 0;
  Size2 padding = 0;  // -inf padding, at most kernel_size / 2
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel_size, MaxPool2dOptions options = {})
      : Module("MaxPool2d"), kernel_size_(kernel_size), options_(options) {}
  Tensor forward(const Tensor& input) override;
  /// "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False", as PyTorch (a square
  /// size shows as one int, as it is usually written).
  std::string extra_repr() const override;

 private:
  Size2 kernel_size_;
  MaxPool2dOptions options_;
};

struct AvgPool2dOptions {
  Size2 stride = 0;
  Size2 padding = 0;  // zero padding, at most kernel_size / 2
  bool count_include_pad = true;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel_size, AvgPool2dOptions options = {})
      : Module("AvgPool2d"), kernel_size_(kernel_size), options_(options) {}
  Tensor forward(const Tensor& input) override;
  /// "kernel_size=3, stride=1, padding=1", as PyTorch (which leaves count_include_pad out too).
  std::string extra_repr() const override;

 private:
  Size2 kernel_size_;
  AvgPool2dOptions options_;
};

/// Averages into an output of output_size {h, w} whatever the input's spatial size
/// (AdaptiveAvgPool2d(1) is global average pooling).
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2 output_size) : Module("AdaptiveAvgPool2d"), output_size_(output_size) {}
  Tensor forward(const Tensor& input) override;
  /// "output_size=1", as PyTorch.
  std::string extra_repr() const override;

 private:
  Size2 output_size_;
};

}  // namespace minidl::nn
