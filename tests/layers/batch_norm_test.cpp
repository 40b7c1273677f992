// BatchNorm1d/2d: PyTorch's parameter and buffer names and initial values; training
// normalizes by batch statistics (checked by hand) and moves the running statistics by
// docs/formulas.md's rule; evaluation uses the running statistics and leaves them alone; the
// cumulative-average momentum; affine and track_running_stats off; CUDA against CPU.
#include "layers/batch_norm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/ops/elementwise.h"
#include "core/ops/reduction.h"
#include "core/random.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl::nn {
namespace {

// Per-channel mean and biased variance of x (N, C, *) in float64.
struct ChannelStats {
  std::vector<double> mean, var;
  int64_t count = 0;
};
ChannelStats channel_stats(const Tensor& x) {
  const auto v = x.to_vector<double>();
  const int64_t N = x.size(0), C = x.size(1), inner = x.numel() / (N * C);
  ChannelStats s{std::vector<double>(C), std::vector<double>(C), N * inner};
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < inner; ++k) s.mean[c] += v[(n * C + c) * inner + k];
    s.mean[c] /= static_cast<double>(s.count);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < inner; ++k) s.var[c] += std::pow(v[(n * C + c) * inner + k] - s.mean[c], 2);
    s.var[c] /= static_cast<double>(s.count);
  }
  return s;
}

// y = (x - mean[c]) / sqrt(var[c] + eps) * w[c] + b[c].
void expect_normalized(const Tensor& x, const Tensor& y, const std::vector<double>& mean,
                       const std::vector<double>& var, const std::vector<double>& w,
                       const std::vector<double>& b, double eps = 1e-5) {
  const auto xv = x.to_vector<double>(), yv = y.to_vector<double>();
  const int64_t C = x.size(1), inner = x.numel() / (x.size(0) * C);
  for (std::size_t i = 0; i < xv.size(); ++i) {
    const auto c = static_cast<std::size_t>((static_cast<int64_t>(i) / inner) % C);
    EXPECT_NEAR(yv[i], (xv[i] - mean[c]) / std::sqrt(var[c] + eps) * w[c] + b[c], 1e-10) << i;
  }
}

TEST(BatchNorm, NamesAndInitialValuesAsPyTorch) {
  BatchNorm2d bn(3);
  const auto params = bn.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[1].first, "bias");
  EXPECT_EQ(bn.weight.to_vector<float>(), std::vector<float>(3, 1.f));
  EXPECT_EQ(bn.bias.to_vector<float>(), std::vector<float>(3, 0.f));
  const auto buffers = bn.named_buffers();
  ASSERT_EQ(buffers.size(), 3u);
  EXPECT_EQ(buffers[0].first, "running_mean");
  EXPECT_EQ(buffers[1].first, "running_var");
  EXPECT_EQ(buffers[2].first, "num_batches_tracked");
  EXPECT_EQ(bn.running_mean.to_vector<float>(), std::vector<float>(3, 0.f));
  EXPECT_EQ(bn.running_var.to_vector<float>(), std::vector<float>(3, 1.f));
  EXPECT_EQ(bn.num_batches_tracked.dtype(), DType::Int64);
  EXPECT_EQ(bn.num_batches_tracked.dim(), 0);
  EXPECT_EQ(bn.num_batches_tracked.item(), 0.0);

  EXPECT_TRUE(BatchNorm1d(4, {.affine = false}).parameters().empty());
  EXPECT_TRUE(BatchNorm1d(4, {.track_running_stats = false}).buffers().empty());
}

TEST(BatchNorm, TrainingUsesBatchStatisticsAndMovesRunningOnes) {
  BatchNorm2d bn(3, {.momentum = 0.2});
  bn.to(DType::Float64);
  bn.weight.detach().copy_(from_vector<double>({1.5, -0.5, 2.0}));
  bn.bias.detach().copy_(from_vector<double>({0.1, 0.2, -0.3}));
  const Tensor x = add(mul(randn({4, 3, 5, 2}, {.dtype = DType::Float64}), 2.0), 1.0);
  const Tensor y = bn(x);
  const ChannelStats s = channel_stats(x);
  expect_normalized(x, y, s.mean, s.var, {1.5, -0.5, 2.0}, {0.1, 0.2, -0.3});

  const auto rm = bn.running_mean.to_vector<double>(), rv = bn.running_var.to_vector<double>();
  const double n = static_cast<double>(s.count);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(rm[c], 0.8 * 0.0 + 0.2 * s.mean[c], 1e-12);
    EXPECT_NEAR(rv[c], 0.8 * 1.0 + 0.2 * s.var[c] * n / (n - 1), 1e-12);  // unbiased into the running var
  }
  EXPECT_EQ(bn.num_batches_tracked.item(), 1.0);
}

TEST(BatchNorm, EvalUsesRunningStatisticsAndLeavesThemAlone) {
  BatchNorm2d bn(2);
  bn.to(DType::Float64);
  bn.running_mean.copy_(from_vector<double>({0.5, -1.0}));
  bn.running_var.copy_(from_vector<double>({4.0, 0.25}));
  bn.weight.detach().copy_(from_vector<double>({2.0, 3.0}));
  bn.eval();
  const Tensor x = randn({3, 2, 4, 4}, {.dtype = DType::Float64});
  expect_normalized(x, bn(x), {0.5, -1.0}, {4.0, 0.25}, {2.0, 3.0}, {0.0, 0.0});
  EXPECT_EQ(bn.running_mean.to_vector<double>(), (std::vector<double>{0.5, -1.0}));
  EXPECT_EQ(bn.running_var.to_vector<double>(), (std::vector<double>{4.0, 0.25}));
  EXPECT_EQ(bn.num_batches_tracked.item(), 0.0);

  bn.train();  // back in training: statistics move again
  bn(x);
  EXPECT_NE(bn.running_mean.to_vector<double>(), (std::vector<double>{0.5, -1.0}));
  EXPECT_EQ(bn.num_batches_tracked.item(), 1.0);
}

TEST(BatchNorm, MomentumNoneAveragesAllBatches) {
  BatchNorm1d bn(2, {.momentum = std::nullopt});
  bn.to(DType::Float64);
  const Tensor a = randn({6, 2}, {.dtype = DType::Float64}), b = randn({6, 2}, {.dtype = DType::Float64});
  bn(a);
  bn(b);
  const ChannelStats sa = channel_stats(a), sb = channel_stats(b);
  const auto rm = bn.running_mean.to_vector<double>(), rv = bn.running_var.to_vector<double>();
  for (int c = 0; c < 2; ++c) {
    EXPECT_NEAR(rm[c], (sa.mean[c] + sb.mean[c]) / 2, 1e-12);
    EXPECT_NEAR(rv[c], (sa.var[c] + sb.var[c]) / 2 * 6 / 5, 1e-12);  // the first batch replaces the initial 1
  }
  EXPECT_EQ(bn.num_batches_tracked.item(), 2.0);
}

TEST(BatchNorm, WithoutRunningStatsEvalNormalizesByTheBatch) {
  BatchNorm1d bn(3, {.affine = false, .track_running_stats = false});
  bn.to(DType::Float64);
  bn.eval();
  const Tensor x = randn({5, 3, 4}, {.dtype = DType::Float64});
  const ChannelStats s = channel_stats(x);
  expect_normalized(x, bn(x), s.mean, s.var, {1, 1, 1}, {0, 0, 0});
}

TEST(BatchNorm, InputRanksAndChannels) {
  BatchNorm1d bn1(3);
  EXPECT_EQ(bn1(randn({4, 3})).shape(), (Shape{4, 3}));
  EXPECT_EQ(bn1(randn({4, 3, 7})).shape(), (Shape{4, 3, 7}));
  EXPECT_THROW(bn1(randn({4, 3, 2, 2})), ShapeError);
  EXPECT_THROW(bn1(randn({4, 2})), ShapeError);
  BatchNorm2d bn2(3);
  EXPECT_THROW(bn2(randn({4, 3})), ShapeError);
  EXPECT_THROW(bn2(randn({4, 5, 2, 2})), ShapeError);
}

TEST(BatchNorm, GradientsInTrainingByFiniteDifferences) {
  BatchNorm2d bn(2, {.track_running_stats = false});  // so repeated evaluations see the same module
  bn.to(DType::Float64);
  const Tensor x = test::random_leaf({3, 2, 2, 2}, 5);
  EXPECT_TRUE(test::gradcheck([&](const std::vector<Tensor>&) { return bn(x); }, {x, bn.weight, bn.bias}));
}

using LayersGpu = test::GpuTest;  // one fixture type: the suite spans the files of layers_tests

TEST_F(LayersGpu, BatchNormOnCudaMatchesCpu) {
  BatchNorm2d cpu(4), gpu(4);
  gpu.to(Device::cuda());
  const Tensor x = randn({8, 4, 5, 5});
  for (int step = 0; step < 3; ++step) {
    const auto a = cpu(x).to_vector<float>(), b = gpu(x.to(Device::cuda())).to_vector<float>();
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-4) << i;
  }
  for (const char* name : {"running_mean", "running_var", "num_batches_tracked"}) {
    const auto a = cpu.state_dict().at(name).to_vector<double>(),
               b = gpu.state_dict().at(name).to_vector<double>();
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << name << " " << i;
  }
  cpu.eval();
  gpu.eval();
  const auto a = cpu(x).to_vector<float>(), b = gpu(x.to(Device::cuda())).to_vector<float>();
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-4) << i;
}

}  // namespace
}  // namespace minidl::nn
