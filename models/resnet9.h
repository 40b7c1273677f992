// ResNet-9, the fast CIFAR-10 network of David Page, "How to train your ResNet" (2018):
// prep conv 64, then three layers conv-BN-ReLU-maxpool2 of 128, 256, 512 channels, the first
// and last followed by a residual pair x + res2(res1(x)), a global max pool, a bias-free linear
// head and the logits multiplied by 0.125. Channels scale with width. PyTorch twin: ResNet9 in
// scripts/export_torch_weights.py.
#pragma once

#include "layers/container.h"
#include "layers/linear.h"

namespace minidl::models {

struct ResNet9Options {
  int64_t num_classes = 10;
  double width = 1.0;    // channel multiplier: 64w, 128w, 256w, 512w
  double scale = 0.125;  // logit multiplier (Page's Mul(0.125))
};

/// conv = Sequential(Conv2d 3x3 no bias, BatchNorm2d, ReLU, MaxPool2d(2)); with residual,
/// res1 and res2 = Sequential(Conv2d, BatchNorm2d, ReLU) and forward y + res2(res1(y)).
class ResNet9Layer : public nn::Module {
 public:
  ResNet9Layer(int64_t in_channels, int64_t out_channels, bool residual);
  Tensor forward(const Tensor& input) override;

  std::shared_ptr<nn::Sequential> conv, res1, res2;  // res1/res2 null without residual
};

/// Parameter names (each conv [C_out, C_in, 3, 3] without bias; each BN has weight, bias and
/// the buffers running_mean, running_var, num_batches_tracked):
///   prep.0.weight, prep.1.*                          3 -> 64w
///   layer1.conv.0.weight, layer1.conv.1.*            64w -> 128w, then maxpool
///   layer1.res1.{0.weight,1.*}, layer1.res2.{...}    128w -> 128w
///   layer2.conv.{0,1}                                128w -> 256w, then maxpool
///   layer3.conv.{0,1}, layer3.res1, layer3.res2      256w -> 512w
///   fc.weight                                        [num_classes, 512w], no bias
/// forward: x [N, 3, H, W] -> fc(max over H, W of layer3(...)) * scale, [N, num_classes]
/// (the global max equals Page's MaxPool2d(4) on 32x32 inputs).
class ResNet9 : public nn::Module {
 public:
  explicit ResNet9(ResNet9Options options = {});
  Tensor forward(const Tensor& input) override;

  const ResNet9Options& options() const { return options_; }
  std::shared_ptr<nn::Sequential> prep;
  std::shared_ptr<ResNet9Layer> layer1, layer2, layer3;
  std::shared_ptr<nn::Linear> fc;

 private:
  ResNet9Options options_;
};

}  // namespace minidl::models
