// nn::init against torch.nn.init's closed forms: gains, fans, the bounds and moments of
// each initializer over large tensors, and reproducibility from a Generator.
#include "layers/init.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/random.h"
#include "stats.h"

namespace minidl::nn::init {
namespace {

using test::moments;

TEST(Init, GainsAsPyTorch) {
  EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::Linear), 1.0);
  EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::Conv), 1.0);
  EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::Sigmoid), 1.0);
  EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::Tanh), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::ReLU), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::LeakyReLU), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::LeakyReLU, std::sqrt(5.0)), std::sqrt(1.0 / 3.0));
  EXPECT_DOUBLE_EQ(calculate_gain(Nonlinearity::SELU), 0.75);
}

TEST(Init, FansOfLinearAndConvWeights) {
  const Fans linear = calculate_fans(empty({8, 4}));
  EXPECT_EQ(linear.fan_in, 4);
  EXPECT_EQ(linear.fan_out, 8);
  const Fans conv = calculate_fans(empty({16, 3, 5, 5}));
  EXPECT_EQ(conv.fan_in, 75);
  EXPECT_EQ(conv.fan_out, 400);
  EXPECT_THROW(calculate_fans(empty({7})), ValueError);
}

TEST(Init, KaimingUniformDefaultIsHeUniformForLeakyReluZero) {
  const Tensor w = empty({400, 250});
  kaiming_uniform_(w);
  const double bound = std::sqrt(6.0 / 250);  // gain sqrt(2), sqrt(3) * gain / sqrt(fan_in)
  const auto m = moments(w);
  EXPECT_GE(m.min, -bound);
  EXPECT_LE(m.max, bound);
  EXPECT_GT(m.max, 0.99 * bound);
  EXPECT_NEAR(m.mean, 0.0, 0.01 * bound);
  EXPECT_NEAR(m.var, bound * bound / 3, 0.03 * bound * bound / 3);
}

TEST(Init, KaimingNormalFanOutRelu) {
  const Tensor w = empty({64, 32, 3, 3}, {.dtype = DType::Float64});
  kaiming_normal_(w, {.mode = FanMode::FanOut, .nonlinearity = Nonlinearity::ReLU});
  const double var = 2.0 / (64 * 9);
  const auto m = moments(w);
  EXPECT_NEAR(m.mean, 0.0, 0.03 * std::sqrt(var));
  EXPECT_NEAR(m.var, var, 0.03 * var);
}

TEST(Init, XavierUniformAndNormal) {
  const Tensor u = empty({300, 200});
  xavier_uniform_(u, 2.0);
  const double bound = 2.0 * std::sqrt(6.0 / 500);
  const auto mu = moments(u);
  EXPECT_GE(mu.min, -bound);
  EXPECT_LE(mu.max, bound);
  EXPECT_NEAR(mu.var, bound * bound / 3, 0.03 * bound * bound / 3);

  const Tensor n = empty({300, 200});
  xavier_normal_(n, calculate_gain(Nonlinearity::Tanh));
  const double std = 5.0 / 3.0 * std::sqrt(2.0 / 500);
  EXPECT_NEAR(moments(n).var, std * std, 0.03 * std * std);
}

TEST(Init, UniformNormalConstant) {
  const Tensor t = empty({100000});
  init::uniform_(t, 2.0, 5.0);  // qualified: minidl::uniform_ is found by ADL too
  auto m = moments(t);
  EXPECT_GE(m.min, 2.0);
  EXPECT_LT(m.max, 5.0);
  EXPECT_NEAR(m.mean, 3.5, 0.02);
  init::normal_(t, -1.0, 0.5);
  m = moments(t);
  EXPECT_NEAR(m.mean, -1.0, 0.01);
  EXPECT_NEAR(m.var, 0.25, 0.01);
  constant_(t, 0.25);
  EXPECT_EQ(moments(t).min, 0.25);
  EXPECT_EQ(moments(t).max, 0.25);
  ones_(t);
  EXPECT_EQ(moments(t).min, 1.0);
  zeros_(t);
  EXPECT_EQ(moments(t).max, 0.0);
}

TEST(Init, SameGeneratorStateSameValues) {
  Generator a(7), b(7);
  const Tensor x = empty({16, 9}), y = empty({16, 9});
  kaiming_normal_(x, {}, &a);
  kaiming_normal_(y, {}, &b);
  EXPECT_EQ(x.to_vector<float>(), y.to_vector<float>());
  kaiming_normal_(y, {}, &b);  // the generator moved on
  EXPECT_NE(x.to_vector<float>(), y.to_vector<float>());
}

TEST(Init, ParametersStayLeavesThatRequireGrad) {
  const Tensor w = empty({5, 5});
  w.requires_grad_(true);
  xavier_uniform_(w);
  default_layer_init_(w, Tensor());
  EXPECT_TRUE(w.is_leaf());
  EXPECT_TRUE(w.requires_grad());
}

TEST(Init, DefaultLayerInitBoundsWeightAndBias) {
  const Tensor w = empty({1000, 1000}), b = empty({1000});
  default_layer_init_(w, b);
  const double bound = 1.0 / std::sqrt(1000.0);
  for (const Tensor& t : {w, b}) {
    const auto m = moments(t);
    EXPECT_GE(m.min, -bound);
    EXPECT_LE(m.max, bound);
  }
  EXPECT_NEAR(moments(w).var, bound * bound / 3, 0.02 * bound * bound / 3);
}

}  // namespace
}  // namespace minidl::nn::init
