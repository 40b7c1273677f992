// dropout() and dropconnect_weight(): the kept fraction within binomial 6-sigma bounds, the
// expected value preserved, the p=0 / p=1 / evaluation edges, backward through the forward
// mask, generator bookkeeping; DropoutGpu: CPU and CUDA masks bit-identical.
#include "core/ops/dropout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/autograd.h"
#include "kernels/dropout.h"
#include "support/gpu_test.h"

namespace minidl {
namespace {

std::vector<float> values_of(const Tensor& t) { return t.to_vector<float>(); }

int64_t count_nonzero(const Tensor& t) {
  int64_t kept = 0;
  for (double v : t.to_vector<double>()) kept += v != 0.0;
  return kept;
}

TEST(Dropout, KeptFractionWithinSixSigma) {
  const int64_t n = 1 << 20;
  Generator generator(123);
  for (const double p : {0.1, 0.5, 0.9}) {
    const Tensor y = dropout(ones({n}), p, true, &generator);
    const double expected = (1 - p) * n, sigma = std::sqrt(n * p * (1 - p));
    EXPECT_LE(std::abs(static_cast<double>(count_nonzero(y)) - expected), 6 * sigma) << "p=" << p;
  }
}

TEST(Dropout, PreservesExpectedValueAndScalesKeptValues) {
  const int64_t n = 1 << 20;
  Generator generator(7);
  for (const double p : {0.2, 0.5, 0.8}) {
    std::vector<double> in(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) in[i] = 1.0 + static_cast<double>(i) / static_cast<double>(n);
    const Tensor x = from_vector(in);
    const std::vector<double> out = dropout(x, p, true, &generator).to_vector<double>();
    double sum_in = 0, sum_out = 0, sum_sq = 0;
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_TRUE(out[i] == 0.0 || out[i] == in[i] * (1.0 / (1.0 - p))) << i;
      sum_in += in[i], sum_out += out[i], sum_sq += in[i] * in[i];
    }
    // sum y has mean sum x and variance sum x^2 * p / (1 - p).
    EXPECT_LE(std::abs(sum_out - sum_in), 6 * std::sqrt(sum_sq * p / (1 - p))) << "p=" << p;
  }
}

TEST(Dropout, ZeroProbabilityAndEvaluationAreTheIdentity) {
  Generator generator(1);
  const Tensor x = ones({100});
  EXPECT_TRUE(dropout(x, 0.0, true, &generator).is_same(x));
  EXPECT_TRUE(dropout(x, 0.5, false, &generator).is_same(x));
  EXPECT_TRUE(dropconnect_weight(x, 0.5, false, &generator).is_same(x));
  EXPECT_EQ(generator.offset(), 0u);  // nothing drawn
}

TEST(Dropout, ProbabilityOneGivesZerosAndZeroGradients) {
  Generator generator(1);
  const Tensor x = full({37}, 2.5);
  x.requires_grad_(true);
  const Tensor y = dropout(x, 1.0, true, &generator);
  EXPECT_EQ(values_of(y), std::vector<float>(37, 0.0f));
  y.backward(ones({37}));
  EXPECT_EQ(values_of(x.grad()), std::vector<float>(37, 0.0f));
}

TEST(Dropout, BackwardUsesTheForwardMask) {
  Generator generator(99);
  const int64_t n = 1000;
  const Tensor x = full({n}, 3.0);
  x.requires_grad_(true);
  const Tensor y = dropout(x, 0.25, true, &generator);
  dropout(x.detach(), 0.25, true, &generator);  // moves the generator on: backward must not redraw
  const Tensor upstream = arange(1.0, n + 1.0, 1.0);
  y.backward(upstream);
  const std::vector<float> out = values_of(y), grad = values_of(x.grad()), up = values_of(upstream);
  const float scale = static_cast<float>(1.0 / 0.75);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(grad[i], out[i] != 0.0f ? up[i] * scale : 0.0f) << i;
}

TEST(Dropout, GeneratorStateDecidesTheMask) {
  Generator generator(2024);
  const Tensor x = ones({4 * 1000 + 3});
  const std::vector<float> first = values_of(dropout(x, 0.5, true, &generator));
  EXPECT_EQ(generator.offset(), 1001u);  // ceil(4003 / 4) Philox blocks
  const std::vector<float> second = values_of(dropout(x, 0.5, true, &generator));
  EXPECT_NE(first, second);  // a different offset, a different mask
  generator.set_offset(0);
  EXPECT_EQ(values_of(dropout(x, 0.5, true, &generator)), first);  // same (seed, offset), same mask
  Generator other(2025);
  EXPECT_NE(values_of(dropout(x, 0.5, true, &other)), first);
}

TEST(Dropout, NonContiguousInputDropsByLogicalIndex) {
  const Tensor base = arange(1.0, 13.0, 1.0).view({3, 4});
  Generator a(5), b(5);
  const Tensor strided = dropout(base.t(), 0.5, true, &a);
  const Tensor packed = dropout(base.t().contiguous(), 0.5, true, &b);
  EXPECT_EQ(strided.shape(), (Shape{4, 3}));
  EXPECT_EQ(values_of(strided), values_of(packed));
}

TEST(Dropout, OtherDTypesShareTheMask) {
  Generator a(8), b(8);
  const std::vector<float> single = values_of(dropout(ones({999}), 0.3, true, &a));
  const std::vector<float> half = values_of(dropout(ones({999}, {.dtype = DType::Float16}), 0.3, true, &b));
  for (std::size_t i = 0; i < single.size(); ++i) ASSERT_EQ(single[i] == 0.0f, half[i] == 0.0f) << i;
}

TEST(Dropout, RejectsBadArguments) {
  EXPECT_THROW(dropout(ones({3}), -0.5, true), ValueError);
  EXPECT_THROW(dropout(ones({3}), 1.5, false), ValueError);
  EXPECT_THROW(dropout(ones({3}, {.dtype = DType::Int64}), 0.5, true), DTypeError);
  Generator cuda_generator(1, Device::cuda());
  EXPECT_THROW(dropout(ones({3}), 0.5, true, &cuda_generator), DeviceError);
}

TEST(Dropout, DefaultGeneratorAdvances) {
  Generator& generator = default_generator(Device::cpu());
  const uint64_t before = generator.offset();
  dropout(ones({40}), 0.5, true);
  EXPECT_EQ(generator.offset(), before + 10);
}

TEST(DropConnect, MasksTheWeightOncePerCallAndDifferentiates) {
  Generator generator(11);
  const Tensor w = full({16, 8}, 0.5);
  w.requires_grad_(true);
  const Tensor masked = dropconnect_weight(w, 0.5, true, &generator);
  EXPECT_EQ(masked.shape(), w.shape());
  const std::vector<float> values = values_of(masked);
  for (float v : values) ASSERT_TRUE(v == 0.0f || v == 1.0f);
  masked.backward(ones({16, 8}));
  const std::vector<float> grad = values_of(w.grad());
  for (std::size_t i = 0; i < values.size(); ++i) ASSERT_EQ(grad[i], values[i] == 0.0f ? 0.0f : 2.0f) << i;
  EXPECT_EQ(masked.grad_fn_name(), "dropconnect_weight");
  EXPECT_NE(values_of(dropconnect_weight(w.detach(), 0.5, true, &generator)), values);  // a new mask per pass
}

// ---- GPU: the same generator state gives the same bits on both devices ----

class DropoutGpu : public test::GpuTest {};

TEST_F(DropoutGpu, MasksAreBitIdenticalToCpu) {
  for (const int64_t n : {int64_t{1}, int64_t{31}, int64_t{32}, int64_t{33}, (int64_t{1} << 20) + 7}) {
    for (const double p : {0.1, 0.5}) {
      const PhiloxSeed seed{0xdeadbeefull, 12345};
      const Tensor x_cpu = arange(1.0, static_cast<double>(n) + 1.0, 1.0);
      const Tensor y_cpu = empty_like(x_cpu), mask_cpu = kernels::dropout_mask_like(x_cpu);
      kernels::dropout_forward(x_cpu, y_cpu, mask_cpu, seed, p);
      const Tensor x_gpu = x_cpu.to(Device::cuda());
      const Tensor y_gpu = empty_like(x_gpu), mask_gpu = kernels::dropout_mask_like(x_gpu);
      kernels::dropout_forward(x_gpu, y_gpu, mask_gpu, seed, p);
      ASSERT_EQ(mask_gpu.to(Device::cpu()).to_vector<uint8_t>(), mask_cpu.to_vector<uint8_t>()) << "n=" << n;
      ASSERT_EQ(values_of(y_gpu.to(Device::cpu())), values_of(y_cpu)) << "n=" << n;
      const Tensor dx_gpu = empty_like(x_gpu), regenerated = empty_like(x_gpu), dx_cpu = empty_like(x_cpu);
      kernels::dropout_backward(x_gpu, mask_gpu, dx_gpu, p);
      kernels::dropout_backward_regenerate(x_gpu, regenerated, seed, p);
      kernels::dropout_backward(x_cpu, mask_cpu, dx_cpu, p);
      ASSERT_EQ(values_of(dx_gpu.to(Device::cpu())), values_of(dx_cpu)) << "n=" << n;
      ASSERT_EQ(values_of(regenerated.to(Device::cpu())), values_of(dx_cpu)) << "n=" << n;
    }
  }
}

TEST_F(DropoutGpu, WrapperMatchesCpuForTheSameGeneratorState) {
  Generator cpu_generator(77), gpu_generator(77, Device::cuda());
  const Tensor x = arange(1.0, 5001.0, 1.0, {.dtype = DType::Float16});
  const Tensor on_gpu = x.to(Device::cuda());
  on_gpu.requires_grad_(true);
  const Tensor y_gpu = dropout(on_gpu, 0.3, true, &gpu_generator);
  EXPECT_EQ(values_of(y_gpu.to(Device::cpu())), values_of(dropout(x, 0.3, true, &cpu_generator)));
  EXPECT_EQ(gpu_generator.offset(), cpu_generator.offset());
  y_gpu.backward(ones({5000}, {.dtype = DType::Float16, .device = Device::cuda()}));
  const std::vector<float> grad = values_of(on_gpu.grad().to(Device::cpu())),
                           out = values_of(y_gpu.to(Device::cpu()));
  for (std::size_t i = 0; i < grad.size(); ++i) ASSERT_EQ(grad[i] == 0.0f, out[i] == 0.0f) << i;
}

}  // namespace
}  // namespace minidl
