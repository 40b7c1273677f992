// Stochastic depth (Huang et al. 2016; docs/formulas.md) as modules: nn::StochasticDepth, as
// torchvision.ops.StochasticDepth, applied to a residual branch; nn::ResidualBlock, the
// BasicBlock relu(bn2(conv2(relu(bn1(conv1(x))))) * b/(1-p) + shortcut(x)) whose branch goes
// through it; and linear_drop_probs, the rule p_l = p_L * l / L for a stack of L blocks.
#pragma once

#include <memory>
#include <vector>

#include "core/generator.h"
#include "core/ops/stochastic_depth.h"
#include "layers/batch_norm.h"
#include "layers/container.h"
#include "layers/conv.h"

namespace minidl::nn {

/// In training, zeroes each sample's input (Row; the whole batch in Batch mode) with probability
/// drop_prob (torchvision's p) and scales the kept ones by 1/(1 - drop_prob); in evaluation the
/// identity. Draws from the device's default generator unless given one.
class StochasticDepth : public Module {
 public:
  explicit StochasticDepth(double drop_prob, StochasticDepthMode mode = StochasticDepthMode::Row);
  Tensor forward(const Tensor& input) override;
  /// torchvision's StochasticDepth text: "p=0.1, mode=row" (p is drop_prob).
  std::string extra_repr() const override;

  double drop_prob() const { return drop_prob_; }
  StochasticDepthMode mode() const { return mode_; }
  void set_generator(Generator* generator) { generator_ = generator; }

 private:
  double drop_prob_;
  StochasticDepthMode mode_;
  Generator* generator_ = nullptr;
};

/// Drop probabilities of a stack of num_blocks residual blocks: block l (1-based) gets
/// last_drop_prob * l / num_blocks, so the first drops least and the last drops last_drop_prob.
std::vector<double> linear_drop_probs(int64_t num_blocks, double last_drop_prob);

struct ResidualBlockOptions {
  int64_t stride = 1;    // of conv1 and of the projection shortcut
  double drop_prob = 0;  // stochastic depth of the residual branch
  StochasticDepthMode mode = StochasticDepthMode::Row;
};

/// torchvision's BasicBlock with stochastic depth: conv3x3(stride)-BN-ReLU-conv3x3-BN as the
/// branch, the identity as the shortcut, or a 1x1 conv(stride)-BN projection (`downsample`)
/// where stride != 1 or the channel count changes; output relu(stochastic_depth(branch) + shortcut).
/// Children, with PyTorch's names: conv1, bn1, conv2, bn2, [downsample.0, downsample.1], stochastic_depth.
class ResidualBlock : public Module {
 public:
  ResidualBlock(int64_t in_channels, int64_t out_channels, ResidualBlockOptions options = {});
  /// x [N, in_channels, H, W] -> [N, out_channels, ceil(H / stride), ceil(W / stride)].
  Tensor forward(const Tensor& input) override;

  double drop_prob() const { return stochastic_depth->drop_prob(); }
  /// Draw keep decisions from this generator instead of the device's default.
  void set_generator(Generator* generator) { stochastic_depth->set_generator(generator); }

  std::shared_ptr<Conv2d> conv1, conv2;
  std::shared_ptr<BatchNorm2d> bn1, bn2;
  std::shared_ptr<Sequential> downsample;  // null for the identity shortcut
  std::shared_ptr<StochasticDepth> stochastic_depth;
};

}  // namespace minidl::nn
