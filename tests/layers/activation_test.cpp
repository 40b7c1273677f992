// The activation modules against their closed forms (relu, leaky relu, exact gelu, sigmoid,
// tanh) at points on both sides of zero, their gradients by finite differences, and CUDA
// against CPU.
#include "layers/activation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>

#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl::nn {
namespace {

struct Case {
  std::shared_ptr<Module> module;
  std::function<double(double)> formula;
};

std::vector<Case> cases() {
  return {
      {std::make_shared<ReLU>(), [](double x) { return x > 0 ? x : 0.0; }},
      {std::make_shared<LeakyReLU>(0.2), [](double x) { return x >= 0 ? x : 0.2 * x; }},
      {std::make_shared<LeakyReLU>(), [](double x) { return x >= 0 ? x : 0.01 * x; }},
      {std::make_shared<GELU>(), [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {std::make_shared<Sigmoid>(), [](double x) { return 1 / (1 + std::exp(-x)); }},
      {std::make_shared<Tanh>(), [](double x) { return std::tanh(x); }},
  };
}

const std::vector<double> kPoints = {-4.0, -1.5, -0.3, 0.0, 0.2, 1.0, 3.7};

TEST(Activation, MatchClosedForms) {
  const Tensor x = from_vector<double>(kPoints, {7});
  for (const Case& c : cases()) {
    const auto y = (*c.module)(x).to_vector<double>();
    for (std::size_t i = 0; i < kPoints.size(); ++i)
      EXPECT_NEAR(y[i], c.formula(kPoints[i]), 1e-12) << c.module->type_name() << " at " << kPoints[i];
  }
}

TEST(Activation, ShapeIsKept) {
  for (const Case& c : cases()) EXPECT_EQ((*c.module)(zeros({2, 3, 4})).shape(), (Shape{2, 3, 4}));
}

TEST(Activation, GradientsByFiniteDifferences) {
  const Tensor x = test::random_leaf({3, 5}, 17, -3.0, 3.0);  // away from relu's kink with probability 1
  for (const Case& c : cases())
    EXPECT_TRUE(test::gradcheck([&](const std::vector<Tensor>& in) { return (*c.module)(in[0]); }, {x}))
        << c.module->type_name();
}

TEST(Activation, NoParametersOrBuffers) {
  for (const Case& c : cases()) {
    EXPECT_TRUE(c.module->parameters().empty());
    EXPECT_TRUE(c.module->buffers().empty());
  }
}

using LayersGpu = test::GpuTest;  // one fixture type: the suite spans the files of layers_tests

TEST_F(LayersGpu, ActivationsOnCudaMatchCpu) {
  const Tensor x = from_vector<float>({-4.f, -1.5f, -0.3f, 0.f, 0.2f, 1.f, 3.7f});
  for (const Case& c : cases()) {
    const auto a = (*c.module)(x).to_vector<float>(),
               b = (*c.module)(x.to(Device::cuda())).to_vector<float>();
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << c.module->type_name();
  }
}

}  // namespace
}  // namespace minidl::nn
