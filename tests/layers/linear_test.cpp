// Linear and DropConnectLinear: PyTorch's parameter names, shapes and default init, the
// forward pass against a nested-loop reference, DropConnect's one mask per forward pass
// (shared by every row of the batch) and its evaluation identity, and CUDA against CPU.
#include "layers/linear.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/autograd.h"
#include "core/ops/reduction.h"
#include "core/random.h"
#include "stats.h"
#include "support/gpu_test.h"

namespace minidl::nn {
namespace {

std::vector<std::string> names(const Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, t] : m.named_parameters()) out.push_back(name + shape_str(t.shape()));
  return out;
}

TEST(Linear, ParameterNamesAndShapesAsPyTorch) {
  EXPECT_EQ(names(Linear(5, 3)), (std::vector<std::string>{"weight[3, 5]", "bias[3]"}));
  EXPECT_EQ(names(Linear(5, 3, /*bias=*/false)), (std::vector<std::string>{"weight[3, 5]"}));
  EXPECT_EQ(names(DropConnectLinear(2, 7)), (std::vector<std::string>{"weight[7, 2]", "bias[7]"}));
  EXPECT_TRUE(Linear(2, 2).weight.requires_grad());
}

TEST(Linear, DefaultInitIsUniformOverInverseSqrtFanIn) {
  Linear layer(1000, 1000);
  const double bound = 1.0 / std::sqrt(1000.0);
  const auto w = test::moments(layer.weight);
  EXPECT_GE(w.min, -bound);
  EXPECT_LE(w.max, bound);
  EXPECT_NEAR(w.mean, 0.0, 0.01 * bound);
  EXPECT_NEAR(w.var, 1.0 / (3 * 1000), 0.02 / (3 * 1000));
  const auto b = test::moments(layer.bias);
  EXPECT_GE(b.min, -bound);
  EXPECT_LE(b.max, bound);
  EXPECT_GT(b.max - b.min, bound);  // spread over the interval, not a constant
}

TEST(Linear, ForwardMatchesNestedLoops) {
  Linear layer(3, 2);
  layer.to(DType::Float64);
  const Tensor x = randn({2, 4, 3}, {.dtype = DType::Float64});
  const Tensor y = layer(x);
  ASSERT_EQ(y.shape(), (Shape{2, 4, 2}));
  const auto xv = x.to_vector<double>(), w = layer.weight.to_vector<double>(),
             b = layer.bias.to_vector<double>();
  const auto yv = y.to_vector<double>();
  for (int r = 0; r < 8; ++r)
    for (int o = 0; o < 2; ++o) {
      double expected = b[o];
      for (int i = 0; i < 3; ++i) expected += xv[r * 3 + i] * w[o * 3 + i];
      EXPECT_NEAR(yv[r * 2 + o], expected, 1e-12);
    }
  EXPECT_THROW(layer(zeros({2, 4}, {.dtype = DType::Float64})), ShapeError);
}

TEST(Linear, GradientsReachWeightAndBias) {
  Linear layer(4, 3);
  const Tensor x = randn({5, 4});
  sum(layer(x)).backward();
  // d/dW sum(xW^T + b) = column sums of x for every output row; d/db = batch size.
  const auto colsum = sum(x, {0}).to_vector<float>();
  const auto gw = layer.weight.grad().to_vector<float>();
  for (int o = 0; o < 3; ++o)
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(gw[o * 4 + i], colsum[i], 1e-5);
  EXPECT_EQ(layer.bias.grad().to_vector<float>(), std::vector<float>(3, 5.f));
}

TEST(DropConnectLinear, EvalIsThePlainLinear) {
  DropConnectLinear drop(6, 4, 0.5);
  Linear plain(6, 4);
  plain.load_state_dict(drop.state_dict());
  drop.eval();
  const Tensor x = randn({3, 6});
  EXPECT_EQ(drop(x).to_vector<float>(), plain(x).to_vector<float>());
}

// With x = two stacked identity matrices, row i and row in+i of y are both column i of the
// masked weight plus the bias: equal rows mean one mask for the whole batch.
TEST(DropConnectLinear, OneMaskPerForwardSharedByTheBatch) {
  const int64_t in = 40, out = 30;
  const double drop_prob = 0.3;
  DropConnectLinear layer(in, out, drop_prob, /*bias=*/false);
  const Tensor eye = zeros({in, in});
  for (int64_t i = 0; i < in; ++i) eye.select(0, i).select(0, i).fill_(1.0);
  const Tensor x = zeros({2 * in, in});
  x.narrow(0, 0, in).copy_(eye);
  x.narrow(0, in, in).copy_(eye);
  const auto w = layer.weight.to_vector<float>();

  auto masked = [&](const Tensor& y) {
    const auto yv = y.to_vector<float>();
    std::vector<bool> kept(static_cast<std::size_t>(in * out));
    for (int64_t i = 0; i < in; ++i)
      for (int64_t o = 0; o < out; ++o) {
        const float first = yv[i * out + o], second = yv[(in + i) * out + o];
        EXPECT_EQ(first, second) << "rows " << i << " and " << in + i << " saw different masks";
        const float scaled = w[o * in + i] / static_cast<float>(1 - drop_prob);
        EXPECT_TRUE(first == 0.f || std::abs(first - scaled) <= 1e-6f * std::abs(scaled)) << first;
        kept[o * in + i] = first != 0.f;
      }
    return kept;
  };
  const auto first = masked(layer(x));
  const auto second = masked(layer(x));
  const double dropped = static_cast<double>(std::count(first.begin(), first.end(), false)) / (in * out);
  EXPECT_NEAR(dropped, drop_prob, 0.06);
  EXPECT_NE(first, second) << "a new forward pass must draw a new mask";
}

TEST(DropConnectLinear, GradientFlowsOnlyThroughKeptWeights) {
  DropConnectLinear layer(8, 5, 0.5);
  const Tensor x = ones({3, 8});
  const Tensor y = layer(x);
  sum(y).backward();
  // dL/dW[o, i] = sum_n x[n, i] * m[o, i] / (1 - p) = 3 * 2 for kept weights, else 0.
  const auto gw = layer.weight.grad().to_vector<float>();
  int kept = 0;
  for (float g : gw) {
    EXPECT_TRUE(g == 0.f || g == 6.f) << g;
    kept += g != 0.f;
  }
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, 40);
  EXPECT_EQ(layer.bias.grad().to_vector<float>(), std::vector<float>(5, 3.f));
}

TEST(DropConnectLinear, RejectsBadProbability) {
  EXPECT_THROW(DropConnectLinear(2, 2, 1.5), ValueError);
  EXPECT_THROW(DropConnectLinear(2, 2, -0.1), ValueError);
}

using LayersGpu = test::GpuTest;  // one fixture type: the suite spans the files of layers_tests

TEST_F(LayersGpu, LinearOnCudaMatchesCpu) {
  Linear cpu(33, 17), gpu(33, 17);
  gpu.load_state_dict(cpu.state_dict());
  gpu.to(Device::cuda());
  ASSERT_TRUE(gpu.weight.device().is_cuda());
  const Tensor x = randn({9, 33});
  const Tensor y_cpu = cpu(x), y_gpu = gpu(x.to(Device::cuda()));
  EXPECT_TRUE(y_gpu.device().is_cuda());
  const auto a = y_cpu.to_vector<float>(), b = y_gpu.to_vector<float>();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4) << i;
  sum(y_gpu).backward();
  sum(y_cpu).backward();
  const auto ga = cpu.weight.grad().to_vector<float>(), gb = gpu.weight.grad().to_vector<float>();
  for (std::size_t i = 0; i < ga.size(); ++i) EXPECT_NEAR(ga[i], gb[i], 1e-4) << i;
}

TEST_F(LayersGpu, DropConnectMaskOnCudaMatchesCpu) {
  // Philox masks depend only on (seed, offset, index): the same generator state gives the same mask.
  DropConnectLinear cpu(16, 8, 0.4), gpu(16, 8, 0.4);
  gpu.load_state_dict(cpu.state_dict());
  gpu.to(Device::cuda());
  Generator g_cpu(99), g_gpu(99, Device::cuda());
  cpu.set_generator(&g_cpu);
  gpu.set_generator(&g_gpu);
  const Tensor x = randn({4, 16});
  const auto a = cpu(x).to_vector<float>(), b = gpu(x.to(Device::cuda())).to_vector<float>();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4) << i;
}

}  // namespace
}  // namespace minidl::nn
