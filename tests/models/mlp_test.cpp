// MLP: names and shapes, flattening, a nested-loop float64 reference of a tanh network,
// activation choice, dropout in training only, and argument errors. Logit parity with
// PyTorch (ReLU, dropout 0.1): registry_test.cpp.
#include "models/mlp.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/autograd.h"
#include "core/random.h"
#include "layers/nn.h"
#include "tests/models/golden.h"

namespace minidl::models {
namespace {

TEST(MLP, NamesAndShapes) {
  MLP model;
  const auto params = model.named_parameters();
  ASSERT_EQ(params.size(), 6u);
  EXPECT_EQ(params[0].first, "layers.0.weight");
  EXPECT_EQ(params[0].second.shape(), (Shape{512, 3072}));
  EXPECT_EQ(params[2].first, "layers.3.weight");
  EXPECT_EQ(params[4].first, "layers.6.weight");
  EXPECT_EQ(params[5].second.shape(), (Shape{10}));
  EXPECT_EQ(model.forward(randn({5, 3, 32, 32})).shape(), (Shape{5, 10}));
  EXPECT_EQ(model.forward(randn({5, 3072})).shape(), (Shape{5, 10}));
  EXPECT_THROW(model.forward(randn({5, 3, 16, 16})), ShapeError);
  EXPECT_EQ(MLP({.sizes = {6, 2}}).named_parameters().size(), 2u);  // logistic regression
}

TEST(MLP, MatchesANestedLoopReference) {
  MLP model({.sizes = {3, 4, 2}, .activation = "tanh"});
  model.to(DType::Float64);
  const Tensor x = randn({5, 3}, {.dtype = DType::Float64});
  const auto y = model.forward(x).to_vector<double>();
  const auto xv = x.to_vector<double>();
  const auto w0 = model.layers->at<nn::Linear>(0)->weight.to_vector<double>();
  const auto b0 = model.layers->at<nn::Linear>(0)->bias.to_vector<double>();
  const auto w1 = model.layers->at<nn::Linear>(3)->weight.to_vector<double>();
  const auto b1 = model.layers->at<nn::Linear>(3)->bias.to_vector<double>();
  for (int n = 0; n < 5; ++n) {
    double h[4];
    for (int j = 0; j < 4; ++j) {
      h[j] = b0[j];
      for (int i = 0; i < 3; ++i) h[j] += w0[j * 3 + i] * xv[n * 3 + i];
      h[j] = std::tanh(h[j]);
    }
    for (int k = 0; k < 2; ++k) {
      double out = b1[k];
      for (int j = 0; j < 4; ++j) out += w1[k * 4 + j] * h[j];
      EXPECT_NEAR(y[n * 2 + k], out, 1e-12) << n << "," << k;
    }
  }
}

TEST(MLP, ActivationsByName) {
  EXPECT_EQ(MLP({.sizes = {4, 3, 2}, .activation = "gelu"}).layers->operator[](1)->type_name(), "GELU");
  EXPECT_EQ(MLP({.sizes = {4, 3, 2}, .activation = "leaky_relu"}).layers->operator[](1)->type_name(),
            "LeakyReLU");
  EXPECT_EQ(MLP({.sizes = {4, 3, 2}, .activation = "sigmoid"}).layers->operator[](1)->type_name(), "Sigmoid");
  EXPECT_EQ(MLP().layers->operator[](1)->type_name(), "ReLU");
  try {
    MLP({.sizes = {4, 2}, .activation = "swish"});
    ADD_FAILURE() << "no ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("swish"), std::string::npos) << e.what();
  }
}

TEST(MLP, DropoutOnlyInTraining) {
  MLP model({.sizes = {8, 64, 3}, .activation = "relu", .dropout = 0.5});
  const Tensor x = randn({4, 8});
  autograd::NoGradGuard no_grad;
  EXPECT_GT(test::max_abs_diff(model.forward(x), model.forward(x)), 1e-6);
  model.eval();
  EXPECT_EQ(model.forward(x).to_vector<float>(), model.forward(x).to_vector<float>());
}

TEST(MLP, RejectsBadArguments) {
  EXPECT_THROW(MLP({.sizes = {8}}), ValueError);
  EXPECT_THROW(MLP({.sizes = {8, 0, 2}}), ValueError);
  EXPECT_THROW(MLP({.sizes = {8, 2}, .activation = "relu", .dropout = 1.0}), ValueError);
}

}  // namespace
}  // namespace minidl::models
