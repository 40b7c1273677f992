// ResNet18: torchvision's names and shapes (downsample only where the shape changes), output
// shapes, stochastic depth (block drop probabilities, random in training only; the per-sample
// rule is tested with nn::ResidualBlock) and a backward pass. Logit parity: registry_test.cpp.
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
  EXPECT_EQ(model.layer3->at<nn::ResidualBlock>(0)->conv1->options().stride.h, 2);
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
  EXPECT_DOUBLE_EQ(model.layer1->at<nn::ResidualBlock>(0)->drop_prob(), 0.1);  // 0.8 * 1 / 8
  EXPECT_DOUBLE_EQ(model.layer2->at<nn::ResidualBlock>(1)->drop_prob(), 0.4);
  EXPECT_DOUBLE_EQ(model.layer4->at<nn::ResidualBlock>(1)->drop_prob(), 0.8);
  EXPECT_EQ(ResNet18().layer4->at<nn::ResidualBlock>(1)->drop_prob(), 0.0);
  // Evaluation ignores it: same weights, same logits as without.
  ResNet18 plain({.num_classes = 10, .width = 0.125});
  plain.load_state_dict(model.state_dict());
  plain.eval();
  model.eval();
  autograd::NoGradGuard no_grad;
  const Tensor x = randn({2, 3, 16, 16});
  EXPECT_EQ(model.forward(x).to_vector<float>(), plain.forward(x).to_vector<float>());
  // Training: batch statistics are deterministic, so only the dropped branches differ.
  plain.train();
  model.train();
  EXPECT_EQ(plain.forward(x).to_vector<float>(), plain.forward(x).to_vector<float>());
  EXPECT_GT(test::max_abs_diff(model.forward(x), model.forward(x)), 1e-6);
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
