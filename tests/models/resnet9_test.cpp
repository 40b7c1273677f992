// ResNet9: Page's layer names and shapes, width and class options, the global max pool
// (any input at least 8x8), the logit scale, and training vs evaluation. Logit parity with
// PyTorch: registry_test.cpp.
#include "models/resnet9.h"

#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduction.h"
#include "core/random.h"
#include "tests/models/golden.h"

namespace minidl::models {
namespace {

TEST(ResNet9, ParameterNamesAndShapes) {
  ResNet9 model;
  const auto state = model.state_dict();
  EXPECT_EQ(state.at("prep.0.weight").shape(), (Shape{64, 3, 3, 3}));
  EXPECT_EQ(state.at("prep.1.running_mean").shape(), (Shape{64}));
  EXPECT_EQ(state.at("layer1.conv.0.weight").shape(), (Shape{128, 64, 3, 3}));
  EXPECT_EQ(state.at("layer1.res1.0.weight").shape(), (Shape{128, 128, 3, 3}));
  EXPECT_EQ(state.at("layer1.res2.1.weight").shape(), (Shape{128}));
  EXPECT_EQ(state.at("layer2.conv.0.weight").shape(), (Shape{256, 128, 3, 3}));
  EXPECT_EQ(state.at("layer3.res2.0.weight").shape(), (Shape{512, 512, 3, 3}));
  EXPECT_EQ(state.at("fc.weight").shape(), (Shape{10, 512}));
  EXPECT_EQ(state.count("fc.bias"), 0u);
  EXPECT_EQ(state.count("layer2.res1.0.weight"), 0u);  // layer2 has no residual pair
  EXPECT_EQ(model.named_parameters().size(), 25u);     // 8 convs, 8 BNs (weight, bias), fc
}

TEST(ResNet9, WidthAndClasses) {
  ResNet9 model({.num_classes = 100, .width = 0.25});
  EXPECT_EQ(model.state_dict().at("prep.0.weight").shape(), (Shape{16, 3, 3, 3}));
  EXPECT_EQ(model.state_dict().at("fc.weight").shape(), (Shape{100, 128}));
  EXPECT_EQ(model.forward(randn({2, 3, 32, 32})).shape(), (Shape{2, 100}));
  EXPECT_EQ(model.forward(randn({2, 3, 64, 48})).shape(), (Shape{2, 100}));  // global max pool
  EXPECT_THROW(model.forward(randn({2, 3, 4, 4})), ShapeError);
  EXPECT_THROW(model.forward(randn({2, 1, 32, 32})), ShapeError);
}

TEST(ResNet9, LogitsAreTheHeadScaledByItsFactor) {
  ResNet9 scaled({.num_classes = 10, .width = 0.125}),
      unscaled({.num_classes = 10, .width = 0.125, .scale = 1.0});
  unscaled.load_state_dict(scaled.state_dict());
  scaled.eval();
  unscaled.eval();
  autograd::NoGradGuard no_grad;
  const Tensor x = randn({2, 3, 32, 32});
  const auto a = scaled.forward(x).to_vector<float>(), b = unscaled.forward(x).to_vector<float>();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_FLOAT_EQ(a[i], 0.125f * b[i]) << i;
}

TEST(ResNet9, ResidualLayerAddsItsPairToTheConvOutput) {
  ResNet9Layer layer(4, 6, true);
  layer.eval();
  autograd::NoGradGuard no_grad;
  const Tensor x = randn({2, 4, 8, 8});
  const Tensor y = layer.conv->forward(x);
  EXPECT_EQ(layer.forward(x).to_vector<float>(),
            (y + layer.res2->forward(layer.res1->forward(y))).to_vector<float>());
  EXPECT_EQ(layer.forward(x).shape(), (Shape{2, 6, 4, 4}));
}

TEST(ResNet9, TrainingUsesBatchStatistics) {
  ResNet9 model({.num_classes = 10, .width = 0.125});
  const Tensor x = randn({4, 3, 32, 32});
  autograd::NoGradGuard no_grad;
  const Tensor train_out = model.forward(x);
  model.eval();
  const Tensor a = model.forward(x), b = model.forward(x);
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>());
  EXPECT_GT(test::max_abs_diff(train_out, a), 1e-5);
  EXPECT_EQ(model.state_dict().at("layer3.res2.1.num_batches_tracked").item(), 1.0);
}

TEST(ResNet9, BackwardReachesEveryParameter) {
  ResNet9 model({.num_classes = 10, .width = 0.125});
  sum(model.forward(randn({2, 3, 32, 32}))).backward();
  for (const auto& [name, p] : model.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_GT(max(abs(p.grad())).item(), 0.0) << name;
  }
}

}  // namespace
}  // namespace minidl::models
