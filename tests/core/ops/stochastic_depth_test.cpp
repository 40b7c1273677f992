// stochastic_depth(): the kept fraction of samples within binomial 6-sigma bounds (row and batch
// mode), each sample's decision equal to Philox word n of the generator's (seed, offset), kept
// branches scaled by exactly 1/(1 - p), the evaluation / p = 0 / p = 1 edges, per-seed
// determinism, gradcheck; StochasticDepthGpu: CUDA equals the CPU for the same generator state.
#include "core/ops/stochastic_depth.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/math/philox.h"
#include "kernels/math/random.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

constexpr auto kRow = StochasticDepthMode::Row;
constexpr auto kBatch = StochasticDepthMode::Batch;

// Which samples of an [N, ...] output are kept (their elements all non-zero; dropped ones all zero).
std::vector<bool> kept_samples(const Tensor& y) {
  const std::vector<double> v = y.to_vector<double>();
  const int64_t n = y.size(0), per = y.numel() / n;
  std::vector<bool> kept(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t nonzero = 0;
    for (int64_t j = 0; j < per; ++j) nonzero += v[i * per + j] != 0.0;
    EXPECT_TRUE(nonzero == 0 || nonzero == per) << "sample " << i << " partly dropped";
    kept[i] = nonzero == per;
  }
  return kept;
}

int64_t count(const std::vector<bool>& kept) {
  int64_t c = 0;
  for (bool k : kept) c += k;
  return c;
}

TEST(StochasticDepth, RowModeKeepsTheExpectedFractionOfSamples) {
  const int64_t n = 200000;
  Generator generator(123);
  for (const double p : {0.1, 0.5, 0.9}) {
    const std::vector<bool> kept = kept_samples(stochastic_depth(ones({n, 3, 2}), p, kRow, true, &generator));
    const double expected = (1 - p) * n, sigma = std::sqrt(n * p * (1 - p));
    EXPECT_LE(std::abs(static_cast<double>(count(kept)) - expected), 6 * sigma) << "p=" << p;
  }
}

TEST(StochasticDepth, BatchModeKeepsOrDropsTheWholeBatch) {
  Generator generator(321);
  const int64_t calls = 4000;
  const double p = 0.3;
  int64_t kept = 0;
  for (int64_t c = 0; c < calls; ++c) {
    const std::vector<bool> k = kept_samples(stochastic_depth(ones({5, 2}), p, kBatch, true, &generator));
    ASSERT_TRUE(count(k) == 0 || count(k) == 5) << "call " << c;
    kept += count(k) == 5;
  }
  EXPECT_EQ(generator.offset(), static_cast<uint64_t>(calls));  // one Philox block per call
  EXPECT_LE(std::abs(static_cast<double>(kept) - (1 - p) * calls), 6 * std::sqrt(calls * p * (1 - p)));
}

TEST(StochasticDepth, SampleNTakesPhiloxWordNOfTheGeneratorsState) {
  const uint64_t seed = 0xabcdef12345ull;
  Generator generator(seed);
  generator.set_offset(77);
  const int64_t n = 1001;
  const double p = 0.4;
  const std::vector<bool> kept = kept_samples(stochastic_depth(ones({n, 2}), p, kRow, true, &generator));
  EXPECT_EQ(generator.offset(), 77u + (n + 3) / 4);
  const auto threshold = static_cast<uint64_t>(std::ceil((1 - p) * 4294967296.0));  // u < 1 - p
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t word = kernels::philox_block(seed, 77 + static_cast<uint64_t>(i / 4)).v[i % 4];
    ASSERT_EQ(kept[i], word < threshold) << "sample " << i;
  }
}

TEST(StochasticDepth, KeptBranchesAreScaledByOneOverKeepProbability) {
  Generator generator(9);
  const Tensor x = arange(1.0, 1.0 + 64 * 6, 1.0, {.dtype = DType::Float64}).view({64, 2, 3});
  const std::vector<double> in = x.to_vector<double>();
  for (const double p : {0.2, 0.5, 0.75, 0.9}) {
    const Tensor y = stochastic_depth(x, p, kRow, true, &generator);
    EXPECT_EQ(y.shape(), x.shape());
    const std::vector<double> out = y.to_vector<double>();
    const std::vector<bool> kept = kept_samples(y);
    EXPECT_GT(count(kept), 0) << "p=" << p;
    for (std::size_t i = 0; i < in.size(); ++i)
      ASSERT_EQ(out[i], kept[i / 6] ? in[i] * (1.0 / (1.0 - p)) : 0.0) << "p=" << p << " element " << i;
  }
}

TEST(StochasticDepth, EvaluationAndZeroProbabilityAreTheIdentity) {
  Generator generator(1);
  const Tensor x = ones({8, 3});
  EXPECT_TRUE(stochastic_depth(x, 0.5, kRow, false, &generator).is_same(x));
  EXPECT_TRUE(stochastic_depth(x, 1.0, kBatch, false, &generator).is_same(x));
  EXPECT_TRUE(stochastic_depth(x, 0.0, kRow, true, &generator).is_same(x));
  EXPECT_EQ(generator.offset(), 0u);  // nothing drawn
}

TEST(StochasticDepth, ProbabilityOneDropsEveryBranchWithZeroGradient) {
  Generator generator(4);
  const Tensor x = full({10, 4}, 2.5);
  x.requires_grad_(true);
  const Tensor y = stochastic_depth(x, 1.0, kRow, true, &generator);
  EXPECT_EQ(y.to_vector<float>(), std::vector<float>(40, 0.0f));
  y.backward(ones({10, 4}));
  EXPECT_EQ(x.grad().to_vector<float>(), std::vector<float>(40, 0.0f));
}

TEST(StochasticDepth, SameSeedSameDecisionsOtherSeedOthers) {
  const Tensor x = ones({512, 4});
  Generator a(2024), b(2024), c(2025);
  const std::vector<float> first = stochastic_depth(x, 0.5, kRow, true, &a).to_vector<float>();
  EXPECT_EQ(stochastic_depth(x, 0.5, kRow, true, &b).to_vector<float>(), first);
  EXPECT_NE(stochastic_depth(x, 0.5, kRow, true, &c).to_vector<float>(), first);
  EXPECT_NE(stochastic_depth(x, 0.5, kRow, true, &a).to_vector<float>(), first);  // the offset moved on
}

TEST(StochasticDepth, GradientMatchesFiniteDifferences) {
  for (const StochasticDepthMode mode : {kRow, kBatch}) {
    const Tensor x = test::random_leaf({12, 3, 2}, 5);
    EXPECT_TRUE(test::gradcheck(
        [mode](const std::vector<Tensor>& in) {
          Generator generator(mode == kRow ? 6 : 8);  // the same keep decisions on every call
          return stochastic_depth(in[0], 0.5, mode, true, &generator);
        },
        {x}))
        << to_string(mode);
  }
}

TEST(StochasticDepth, BackwardPassesTheScaledGradientOfKeptSamplesOnly) {
  Generator generator(31);
  const Tensor x = ones({100, 3}, {.dtype = DType::Float64});
  x.requires_grad_(true);
  const Tensor y = stochastic_depth(x, 0.25, kRow, true, &generator);
  y.backward(full({100, 3}, 3.0, {.dtype = DType::Float64}));
  const std::vector<bool> kept = kept_samples(y);
  const std::vector<double> grad = x.grad().to_vector<double>();
  for (std::size_t i = 0; i < grad.size(); ++i) ASSERT_EQ(grad[i], kept[i / 3] ? 3.0 / 0.75 : 0.0) << i;
}

TEST(StochasticDepth, RejectsBadArguments) {
  EXPECT_THROW(stochastic_depth(ones({3, 2}), -0.1, kRow, true), ValueError);
  EXPECT_THROW(stochastic_depth(ones({3, 2}), 1.5, kRow, false), ValueError);
  EXPECT_THROW(stochastic_depth(ones({3, 2}, {.dtype = DType::Int64}), 0.5, kRow, true), DTypeError);
  EXPECT_THROW(stochastic_depth(full({}, 1.0), 0.5, kRow, true), ShapeError);
  Generator cuda_generator(1, Device::cuda());
  EXPECT_THROW(stochastic_depth(ones({3, 2}), 0.5, kRow, true, &cuda_generator), DeviceError);
}

// ---- GPU: the same generator state keeps the same samples on both devices ----

class StochasticDepthGpu : public test::GpuTest {};

TEST_F(StochasticDepthGpu, MatchesCpuForTheSameGeneratorState) {
  for (const DType dtype : {DType::Float32, DType::Float16, DType::Float64}) {
    for (const StochasticDepthMode mode : {kRow, kBatch}) {
      Generator cpu_generator(77), gpu_generator(77, Device::cuda());
      const Tensor x = arange(1.0, 1.0 + 1001 * 4, 1.0, {.dtype = dtype}).view({1001, 4});
      const Tensor x_gpu = x.to(Device::cuda());
      x_gpu.requires_grad_(true);
      const Tensor y_gpu = stochastic_depth(x_gpu, 0.3, mode, true, &gpu_generator);
      const Tensor y_cpu = stochastic_depth(x, 0.3, mode, true, &cpu_generator);
      EXPECT_EQ(y_gpu.to(Device::cpu()).to_vector<double>(), y_cpu.to_vector<double>()) << to_string(mode);
      EXPECT_EQ(gpu_generator.offset(), cpu_generator.offset());
      y_gpu.backward(ones({1001, 4}, {.dtype = dtype, .device = Device::cuda()}));
      const std::vector<double> grad = x_gpu.grad().to(Device::cpu()).to_vector<double>();
      const std::vector<double> out = y_cpu.to_vector<double>();
      for (std::size_t i = 0; i < grad.size(); ++i) ASSERT_EQ(grad[i] == 0.0, out[i] == 0.0) << i;
    }
  }
}

}  // namespace
}  // namespace minidl
