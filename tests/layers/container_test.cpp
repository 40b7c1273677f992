// Sequential, Flatten and Identity: PyTorch's child and state-dict names ("0.weight",
// "1.running_mean", nested "1.0.bias"), indexing, train/eval reaching every child, Flatten's
// shapes and gradient, and a float64 gradient check through Sequential(Linear, Tanh, Linear).
#include "layers/container.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/ops/elementwise.h"
#include "core/ops/reduction.h"
#include "core/random.h"
#include "layers/nn.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl::nn {
namespace {

std::vector<std::string> keys(const StateDict& state) {
  std::vector<std::string> out;
  for (const auto& entry : state) out.push_back(entry.first);
  return out;
}

TEST(Sequential, StateDictNamesMatchPyTorch) {
  // torch: nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU()).state_dict().keys()
  Sequential seq{std::make_shared<Conv2d>(3, 8, Conv2dOptions{.kernel_size = 3}),
                 std::make_shared<BatchNorm2d>(8), std::make_shared<ReLU>()};
  std::vector<std::string> expected = {
      "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(keys(seq.state_dict()), expected);
  EXPECT_EQ(seq.named_parameters().size(), 4u);
  EXPECT_EQ(seq.named_parameters()[2].first, "1.weight");  // registration order, as PyTorch
}

TEST(Sequential, NestedNamesAndIndexing) {
  auto inner = std::make_shared<Sequential>();
  inner->push_back(std::make_shared<Linear>(4, 4));
  inner->push_back(std::make_shared<Tanh>());
  Sequential outer{std::make_shared<Flatten>(), inner, std::make_shared<Linear>(4, 2)};
  EXPECT_EQ(outer.size(), 3u);
  EXPECT_EQ(inner->size(), 2u);
  EXPECT_EQ(outer[1].get(), inner.get());
  EXPECT_EQ(outer[2]->type_name(), "Linear");
  EXPECT_EQ(outer.at<Linear>(2)->out_features(), 2);
  EXPECT_THROW(outer.at<Linear>(0), ValueError);
  EXPECT_THROW(outer[3], std::out_of_range);
  const auto params = outer.named_parameters();
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].first, "1.0.weight");
  EXPECT_EQ(params[1].first, "1.0.bias");
  EXPECT_EQ(params[3].first, "2.bias");
  EXPECT_EQ(outer.named_children()[0].first, "0");
}

TEST(Sequential, ForwardComposesChildrenInOrder) {
  auto first = std::make_shared<Linear>(3, 5);
  auto second = std::make_shared<Linear>(5, 2);
  Sequential seq{first, std::make_shared<ReLU>(), second};
  const Tensor x = randn({4, 3});
  EXPECT_EQ(seq(x).to_vector<float>(), (*second)(relu((*first)(x))).to_vector<float>());
  EXPECT_EQ(Sequential()(x).to_vector<float>(), x.to_vector<float>());
}

TEST(Sequential, TrainEvalReachesEveryChild) {
  auto bn = std::make_shared<BatchNorm1d>(3);
  auto drop = std::make_shared<Dropout>(0.5);
  Sequential seq{std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{bn}), drop};
  seq.eval();
  EXPECT_FALSE(bn->is_training());
  EXPECT_FALSE(drop->is_training());
  const Tensor x = randn({4, 3});
  seq(x);
  EXPECT_EQ(bn->num_batches_tracked.item(), 0.0);
  seq.train();
  EXPECT_TRUE(bn->is_training());
  seq(x);
  EXPECT_EQ(bn->num_batches_tracked.item(), 1.0);
}

TEST(Sequential, LoadStateDictRoundTrip) {
  auto make = [] {
    return Sequential{std::make_shared<Linear>(3, 4), std::make_shared<BatchNorm1d>(4),
                      std::make_shared<Linear>(4, 2)};
  };
  Sequential a = make(), b = make();
  a(randn({5, 3}));  // moves a's running statistics
  EXPECT_TRUE(b.load_state_dict(a.state_dict()).ok());
  for (const auto& [name, tensor] : a.state_dict())
    EXPECT_EQ(b.state_dict().at(name).to_vector<double>(), tensor.to_vector<double>()) << name;
}

TEST(Flatten, ShapesAndGradient) {
  EXPECT_EQ(Flatten()(zeros({2, 3, 4, 5})).shape(), (Shape{2, 60}));
  EXPECT_EQ(Flatten(0)(zeros({2, 3, 4})).shape(), (Shape{24}));
  EXPECT_EQ(Flatten(1, 2)(zeros({2, 3, 4, 5})).shape(), (Shape{2, 12, 5}));
  const Tensor x = test::random_leaf({2, 3, 2}, 8);
  EXPECT_TRUE(test::gradcheck([](const std::vector<Tensor>& in) { return Flatten()(in[0]); }, {x}));
  // A non-contiguous input is copied by reshape; the gradient still lands in its layout.
  const Tensor base = test::random_leaf({3, 4}, 9);
  EXPECT_TRUE(test::gradcheck([](const std::vector<Tensor>& in) { return Flatten(0)(in[0].t()); }, {base}));
}

TEST(Identity, PassesTheInputThrough) {
  const Tensor x = randn({3});
  EXPECT_TRUE(Identity()(x).is_same(x));
}

TEST(Sequential, GradcheckThroughLinearTanhLinear) {
  Sequential mlp{std::make_shared<Linear>(3, 5), std::make_shared<Tanh>(), std::make_shared<Linear>(5, 2)};
  mlp.to(DType::Float64);
  const Tensor x = test::random_leaf({4, 3}, 31);
  std::vector<Tensor> inputs{x};
  for (const Tensor& p : mlp.parameters()) inputs.push_back(p);
  EXPECT_TRUE(test::gradcheck([&](const std::vector<Tensor>&) { return mlp(x); }, inputs));
}

using LayersGpu = test::GpuTest;  // one fixture type: the suite spans the files of layers_tests

TEST_F(LayersGpu, SequentialCnnOnCudaMatchesCpu) {
  auto make = [] {
    return std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
        std::make_shared<Conv2d>(3, 8, Conv2dOptions{.kernel_size = 3, .padding = 1}),
        std::make_shared<BatchNorm2d>(8), std::make_shared<ReLU>(), std::make_shared<MaxPool2d>(2),
        std::make_shared<Flatten>(), std::make_shared<Linear>(8 * 4 * 4, 5)});
  };
  auto cpu = make(), gpu = make();
  gpu->load_state_dict(cpu->state_dict());
  gpu->to(Device::cuda());
  for (const Tensor& p : gpu->parameters()) ASSERT_TRUE(p.device().is_cuda());
  const Tensor x = randn({6, 3, 8, 8});
  const Tensor y_cpu = (*cpu)(x), y_gpu = (*gpu)(x.to(Device::cuda()));
  const auto a = y_cpu.to_vector<float>(), b = y_gpu.to_vector<float>();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4) << i;
  sum(y_cpu).backward();
  sum(y_gpu).backward();
  const auto pc = cpu->named_parameters(), pg = gpu->named_parameters();
  for (std::size_t k = 0; k < pc.size(); ++k) {
    const auto ga = pc[k].second.grad().to_vector<float>(), gb = pg[k].second.grad().to_vector<float>();
    for (std::size_t i = 0; i < ga.size(); ++i)
      EXPECT_NEAR(ga[i], gb[i], 1e-3 * (1 + std::abs(ga[i]))) << pc[k].first;
  }
}

}  // namespace
}  // namespace minidl::nn
