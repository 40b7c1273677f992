// ResNet18: torchvision's names and shapes (downsample only where the shape changes), output
// shapes, stochastic depth (block drop probabilities, per-sample drop or rescaled keep in
// training, no effect in evaluation) and a backward pass. Logit parity: registry_test.cpp.
#include "models/resnet18.h"

#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduction.h"
#include "core/random.h"
#include "tests/models/golden.h"

namespace minidl::models {
namespace {

TEST(ResNet18, TorchvisionNamesAndShapes) {
  ResNet18 model;
  const auto state = model.state_dict();
  EXPECT_EQ(state.at("conv1.weight").shape(), (Shape{64, 3, 3, 3}));
  EXPECT_EQ(state.at("bn1.running_mean").shape(), (Shape{64}));
  EXPECT_EQ(state.at("layer1.0.conv1.weight").shape(), (Shape{64, 64, 3, 3}));
  EXPECT_EQ(state.at("layer2.0.conv1.weight").shape(), (Shape{128, 64, 3, 3}));
  EXPECT_EQ(state.at("layer2.0.downsample.0.weight").shape(), (Shape{128, 64, 1, 1}));
  EXPECT_EQ(state.at("layer2.0.downsample.1.num_batches_tracked").dtype(), DType::Int64);
  EXPECT_EQ(state.at("layer4.1.bn2.weight").shape(), (Shape{512}));
  EXPECT_EQ(state.at("fc.weight").shape(), (Shape{10, 512}));
  EXPECT_EQ(state.at("fc.bias").shape(), (Shape{10}));
  EXPECT_EQ(state.count("layer1.0.downsample.0.weight"), 0u);
  EXPECT_EQ(state.count("layer3.1.downsample.0.weight"), 0u);
  EXPECT_EQ(state.count("conv1.bias"), 0u);
  EXPECT_EQ(model.layer3->at<BasicBlock>(0)->conv1->options().stride.h, 2);
}

TEST(ResNet18, OutputShapes) {
  ResNet18 model({.num_classes = 100, .width = 0.125});
  EXPECT_EQ(model.state_dict().at("fc.weight").shape(), (Shape{100, 64}));
  EXPECT_EQ(model.forward(randn({2, 3, 32, 32})).shape(), (Shape{2, 100}));
  EXPECT_EQ(model.forward(randn({1, 3, 20, 24})).shape(), (Shape{1, 100}));
  EXPECT_THROW(model.forward(randn({2, 4, 32, 32})), ShapeError);
  EXPECT_THROW(ResNet18({.num_classes = 10, .width = 1.0, .stochastic_depth = 1.5}), ValueError);
}

TEST(ResNet18, StochasticDepthGrowsLinearlyOverTheBlocks) {
  ResNet18 model({.num_classes = 10, .width = 0.125, .stochastic_depth = 0.8});
  EXPECT_DOUBLE_EQ(model.layer1->at<BasicBlock>(0)->drop_prob(), 0.0);
  EXPECT_DOUBLE_EQ(model.layer2->at<BasicBlock>(1)->drop_prob(), 0.3);
  EXPECT_DOUBLE_EQ(model.layer4->at<BasicBlock>(1)->drop_prob(), 0.7);
  // Evaluation ignores it: same weights, same logits as without.
  ResNet18 plain({.num_classes = 10, .width = 0.125});
  plain.load_state_dict(model.state_dict());
  model.eval();
  plain.eval();
  autograd::NoGradGuard no_grad;
  const Tensor x = randn({2, 3, 16, 16});
  EXPECT_EQ(model.forward(x).to_vector<float>(), plain.forward(x).to_vector<float>());
}

TEST(ResNet18, StochasticDepthDropsOrRescalesEachSamplesBranch) {
  BasicBlock block(4, 4, 1, 0.5), reference(4, 4, 1, 0.0);
  reference.load_state_dict(block.state_dict());
  const Tensor x = randn({64, 4, 5, 5});
  autograd::NoGradGuard no_grad;
  const Tensor out = block.forward(x);
  const Tensor branch = reference.bn2->forward(
      reference.conv2->forward(relu(reference.bn1->forward(reference.conv1->forward(x)))));
  const Tensor kept = relu(branch * 2.0 + x), dropped = relu(x);
  int n_kept = 0;
  for (int64_t n = 0; n < 64; ++n) {
    const double to_kept = test::max_abs_diff(out.select(0, n), kept.select(0, n));
    const double to_dropped = test::max_abs_diff(out.select(0, n), dropped.select(0, n));
    EXPECT_LT(std::min(to_kept, to_dropped), 1e-5) << "sample " << n;
    n_kept += to_kept < to_dropped;
  }
  EXPECT_GT(n_kept, 12);  // Binomial(64, 0.5): 32 +- 4
  EXPECT_LT(n_kept, 52);
  // Drop probability 1: the branch is always gone (torchvision does not rescale by 1/0).
  BasicBlock gone(4, 4, 1, 1.0);
  EXPECT_EQ(gone.forward(x).to_vector<float>(), dropped.to_vector<float>());
}

TEST(ResNet18, BackwardReachesEveryParameter) {
  ResNet18 model({.num_classes = 10, .width = 0.125});
  sum(model.forward(randn({2, 3, 16, 16}))).backward();
  for (const auto& [name, p] : model.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_GT(max(abs(p.grad())).item(), 0.0) << name;
  }
}

}  // namespace
}  // namespace minidl::models
