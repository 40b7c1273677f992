// SmallCNN: PyTorch's parameter names and shapes, output shapes under width and class
// options, input checks, dropout and batch norm switching between training and evaluation,
// and a backward pass reaching every parameter. Logit parity with PyTorch: registry_test.cpp.
#include "models/small_cnn.h"

#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduction.h"
#include "core/random.h"
#include "layers/nn.h"
#include "tests/models/golden.h"

namespace minidl::models {
namespace {

TEST(SmallCNN, ParameterNamesAndShapes) {
  SmallCNN model;
  const auto state = model.state_dict();
  EXPECT_EQ(state.at("features.0.weight").shape(), (Shape{32, 3, 3, 3}));
  EXPECT_EQ(state.at("features.4.weight").shape(), (Shape{64, 32, 3, 3}));
  EXPECT_EQ(state.at("features.8.weight").shape(), (Shape{128, 64, 3, 3}));
  EXPECT_EQ(state.at("features.9.running_var").shape(), (Shape{128}));
  EXPECT_EQ(state.at("features.5.num_batches_tracked").dtype(), DType::Int64);
  EXPECT_EQ(state.at("classifier.1.weight").shape(), (Shape{10, 2048}));
  EXPECT_EQ(state.at("classifier.1.bias").shape(), (Shape{10}));
  EXPECT_EQ(state.count("features.0.bias"), 0u);  // the batch norm carries the bias
  EXPECT_EQ(state.size(), 20u);
  EXPECT_DOUBLE_EQ(model.classifier->at<nn::Dropout>(0)->drop_prob(), 0.25);
}

TEST(SmallCNN, OutputShapesAndOptions) {
  SmallCNN model({.num_classes = 100, .dropout = 0.5, .width = 0.5});
  EXPECT_EQ(model.state_dict().at("features.8.weight").shape(), (Shape{64, 32, 3, 3}));
  EXPECT_EQ(model.state_dict().at("classifier.1.weight").shape(), (Shape{100, 1024}));
  EXPECT_EQ(model.forward(randn({3, 3, 32, 32})).shape(), (Shape{3, 100}));
  EXPECT_DOUBLE_EQ(model.classifier->at<nn::Dropout>(0)->drop_prob(), 0.5);
  EXPECT_THROW(SmallCNN({.num_classes = 10, .dropout = -0.1}), ValueError);
  EXPECT_THROW(SmallCNN({.num_classes = 10, .dropout = 0.25, .width = -1}), ValueError);
}

TEST(SmallCNN, RejectsInputsOfTheWrongShape) {
  SmallCNN model;
  try {
    model.forward(randn({2, 3, 28, 28}));
    ADD_FAILURE() << "no ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3, 28, 28]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(model.forward(randn({3, 32, 32})), ShapeError);
}

TEST(SmallCNN, TrainingAndEvaluationModes) {
  SmallCNN model;
  const Tensor x = randn({4, 3, 32, 32});
  autograd::NoGradGuard no_grad;
  EXPECT_TRUE(model.is_training());
  const Tensor a = model.forward(x), b = model.forward(x);
  EXPECT_GT(test::max_abs_diff(a, b), 1e-6);  // a fresh dropout mask each pass
  const auto bn = model.features->at<nn::BatchNorm2d>(5);
  EXPECT_EQ(bn->num_batches_tracked.item(), 2.0);
  model.eval();
  EXPECT_FALSE(model.classifier->at<nn::Dropout>(0)->is_training());
  const Tensor c = model.forward(x), d = model.forward(x);
  EXPECT_EQ(c.to_vector<float>(), d.to_vector<float>());
  EXPECT_EQ(bn->num_batches_tracked.item(), 2.0);  // evaluation leaves the statistics alone
  // Without dropout, training still differs from evaluation: batch vs running statistics.
  SmallCNN plain({.num_classes = 10, .dropout = 0.0});
  const Tensor train_out = plain.forward(x);
  plain.eval();
  EXPECT_GT(test::max_abs_diff(train_out, plain.forward(x)), 1e-4);
}

TEST(SmallCNN, BackwardReachesEveryParameter) {
  SmallCNN model;
  sum(model.forward(randn({2, 3, 32, 32}))).backward();
  for (const auto& [name, p] : model.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name;
    EXPECT_EQ(p.grad().shape(), p.shape()) << name;
    EXPECT_GT(max(abs(p.grad())).item(), 0.0) << name;
  }
}

}  // namespace
}  // namespace minidl::models
