// ResNet-18 for CIFAR (He et al. 2016, "Deep Residual Learning"): a 3x3 stem without the
// initial max pool, BasicBlocks [2, 2, 2, 2] of 64, 128, 256, 512 channels (times width), a
// strided 1x1 conv + BN shortcut where the shape changes, global average pool and a linear
// head. Optional stochastic depth (Huang et al. 2016), as torchvision.ops.stochastic_depth
// in "row" mode. PyTorch twin: ResNet18 in scripts/export_torch_weights.py.
#pragma once

#include "core/generator.h"
#include "layers/batch_norm.h"
#include "layers/container.h"
#include "layers/conv.h"
#include "layers/linear.h"

namespace minidl::models {

struct ResNet18Options {
  int64_t num_classes = 10;
  double width = 1.0;  // channel multiplier: 64w, 128w, 256w, 512w
  /// Stochastic depth: block k of 8 (k = 0..7) drops its residual branch per sample with
  /// probability stochastic_depth * k / 8 in training; 0 turns it off.
  double stochastic_depth = 0.0;
};

/// torchvision's BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) * keep + shortcut(x)),
/// shortcut = downsample (Sequential(Conv2d 1x1 stride, BatchNorm2d)) or the identity; keep is
/// a per-sample Bernoulli(1 - drop_prob) / (1 - drop_prob) in training, 1 in evaluation.
class BasicBlock : public nn::Module {
 public:
  BasicBlock(int64_t in_channels, int64_t out_channels, int64_t stride, double drop_prob = 0.0);
  Tensor forward(const Tensor& input) override;
  /// Draw stochastic-depth decisions from this generator instead of the device's default.
  void set_generator(Generator* generator) { generator_ = generator; }
  double drop_prob() const { return drop_prob_; }

  std::shared_ptr<nn::Conv2d> conv1, conv2;
  std::shared_ptr<nn::BatchNorm2d> bn1, bn2;
  std::shared_ptr<nn::Sequential> downsample;  // null for the identity shortcut

 private:
  double drop_prob_;
  Generator* generator_ = nullptr;
};

/// Parameter names (torchvision's; convs have no bias, each BN has weight, bias and the
/// buffers running_mean, running_var, num_batches_tracked):
///   conv1.weight [64w, 3, 3, 3], bn1.*
///   layer{1..4}.{0,1}.conv1.weight, .bn1.*, .conv2.weight, .bn2.*
///   layer{2,3,4}.0.downsample.0.weight [C, C/2, 1, 1], layer{2,3,4}.0.downsample.1.*
///   fc.weight [num_classes, 512w], fc.bias
/// forward: x [N, 3, H, W] -> logits [N, num_classes].
class ResNet18 : public nn::Module {
 public:
  explicit ResNet18(ResNet18Options options = {});
  Tensor forward(const Tensor& input) override;

  const ResNet18Options& options() const { return options_; }
  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::shared_ptr<nn::Sequential> layer1, layer2, layer3, layer4;  // of BasicBlock
  std::shared_ptr<nn::Linear> fc;

 private:
  ResNet18Options options_;
};

}  // namespace minidl::models
