// ResNet-18 for CIFAR (He et al. 2016, "Deep Residual Learning"): a 3x3 stem without the
// initial max pool, BasicBlocks [2, 2, 2, 2] of 64, 128, 256, 512 channels (times width; the
// blocks are nn::ResidualBlock, torchvision's BasicBlock), a strided 1x1 conv + BN shortcut
// where the shape changes, global average pool and a linear head. Optional stochastic depth
// (Huang et al. 2016). PyTorch twin: ResNet18 in scripts/export_torch_weights.py.
#pragma once

#include "layers/batch_norm.h"
#include "layers/container.h"
#include "layers/conv.h"
#include "layers/linear.h"
#include "layers/stochastic_depth.h"

namespace minidl::models {

struct ResNet18Options {
  int64_t num_classes = 10;
  double width = 1.0;  // channel multiplier: 64w, 128w, 256w, 512w
  /// Stochastic depth of the last block; block l of 8 drops its residual branch per sample
  /// with probability stochastic_depth * l / 8 in training (nn::linear_drop_probs); 0: off.
  double stochastic_depth = 0.0;
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
  std::shared_ptr<nn::Sequential> layer1, layer2, layer3, layer4;  // of nn::ResidualBlock
  std::shared_ptr<nn::Linear> fc;

 private:
  ResNet18Options options_;
};

}  // namespace minidl::models
