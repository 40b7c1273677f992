// Conv2d: weight [out, in/groups, kh, kw] and bias [out] as PyTorch, the default
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) init, the forward pass (stride, padding, dilation,
// groups, bias) against a nested-loop reference, gradients by finite differences, errors,
// and CUDA against CPU.
#include "layers/conv.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/ops/reduction.h"
#include "core/random.h"
#include "stats.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl::nn {
namespace {

TEST(Conv2d, ParameterShapesAsPyTorch) {
  Conv2d conv(4, 6, {.kernel_size = {3, 2}, .groups = 2});
  const auto params = conv.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[0].second.shape(), (Shape{6, 2, 3, 2}));
  EXPECT_EQ(params[1].first, "bias");
  EXPECT_EQ(params[1].second.shape(), (Shape{6}));
  Conv2d no_bias(3, 32, {.kernel_size = 3, .padding = 1, .bias = false});
  EXPECT_EQ(no_bias.parameters().size(), 1u);
  EXPECT_FALSE(no_bias.bias.defined());
}

TEST(Conv2d, DefaultInitBoundsAndVariance) {
  Conv2d conv(64, 64, {.kernel_size = 3});
  const double fan_in = 64 * 9, bound = 1 / std::sqrt(fan_in);
  const auto w = test::moments(conv.weight);
  EXPECT_GE(w.min, -bound);
  EXPECT_LE(w.max, bound);
  EXPECT_NEAR(w.mean, 0.0, 0.02 * bound);
  EXPECT_NEAR(w.var, 1 / (3 * fan_in), 0.03 / (3 * fan_in));
  const auto b = test::moments(conv.bias);
  EXPECT_GE(b.min, -bound);
  EXPECT_LE(b.max, bound);
}

// y[n, o, i, j] = b[o] + sum_{c, p, q} x[n, g*Cg + c, i*s - pad + p*d, j*s - pad + q*d] * w[o, c, p, q].
std::vector<double> reference(const Tensor& x, const Conv2d& conv, const Shape& out_shape) {
  const auto xv = x.to_vector<double>(), wv = conv.weight.to_vector<double>(),
             bv = conv.bias.to_vector<double>();
  const Conv2dOptions& o = conv.options();
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = out_shape[1], Ho = out_shape[2], Wo = out_shape[3];
  const int64_t Cg = C / o.groups, Og = O / o.groups, kh = o.kernel_size.h, kw = o.kernel_size.w;
  std::vector<double> y;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oc = 0; oc < O; ++oc)
      for (int64_t i = 0; i < Ho; ++i)
        for (int64_t j = 0; j < Wo; ++j) {
          double acc = bv[oc];
          const int64_t g = oc / Og;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t p = 0; p < kh; ++p)
              for (int64_t q = 0; q < kw; ++q) {
                const int64_t r = i * o.stride.h - o.padding.h + p * o.dilation.h;
                const int64_t s = j * o.stride.w - o.padding.w + q * o.dilation.w;
                if (r < 0 || r >= H || s < 0 || s >= W) continue;
                acc += xv[((n * C + g * Cg + c) * H + r) * W + s] * wv[((oc * Cg + c) * kh + p) * kw + q];
              }
          y.push_back(acc);
        }
  return y;
}

TEST(Conv2d, ForwardMatchesNestedLoops) {
  const Conv2dOptions configs[] = {
      {.kernel_size = 3, .padding = 1},
      {.kernel_size = {3, 2}, .stride = {2, 1}, .padding = {1, 0}, .dilation = {1, 2}, .groups = 2},
      {.kernel_size = 1, .stride = 2, .groups = 4},
  };
  for (const Conv2dOptions& options : configs) {
    Conv2d conv(4, 8, options);
    conv.to(DType::Float64);
    const Tensor x = randn({2, 4, 7, 6}, {.dtype = DType::Float64});
    const Tensor y = conv(x);
    const Shape expected_shape{2, 8,
                               (7 + 2 * options.padding.h - options.dilation.h * (options.kernel_size.h - 1) -
                                1) / options.stride.h +
                                   1,
                               (6 + 2 * options.padding.w - options.dilation.w * (options.kernel_size.w - 1) -
                                1) / options.stride.w +
                                   1};
    ASSERT_EQ(y.shape(), expected_shape);
    const auto expected = reference(x, conv, expected_shape), got = y.to_vector<double>();
    for (std::size_t k = 0; k < got.size(); ++k) ASSERT_NEAR(got[k], expected[k], 1e-12) << k;
  }
}

TEST(Conv2d, GradientsByFiniteDifferences) {
  Conv2d conv(2, 4, {.kernel_size = 3, .stride = 2, .padding = 1, .groups = 2});
  conv.to(DType::Float64);
  const Tensor x = test::random_leaf({2, 2, 5, 5}, 3);
  EXPECT_TRUE(
      test::gradcheck([&](const std::vector<Tensor>&) { return conv(x); }, {x, conv.weight, conv.bias}));
}

TEST(Conv2d, RejectsBadConfigurations) {
  EXPECT_THROW(Conv2d(3, 6, {.kernel_size = 3, .groups = 2}), ValueError);  // 3 % 2
  EXPECT_THROW(Conv2d(4, 6, {.kernel_size = 3, .groups = 4}), ValueError);  // 6 % 4
  EXPECT_THROW(Conv2d(4, 6, {}), ValueError);                               // no kernel_size
  EXPECT_THROW(Conv2d(4, 6, {.kernel_size = 3, .stride = 0}), ValueError);
  Conv2d conv(3, 4, {.kernel_size = 3});
  EXPECT_THROW(conv(zeros({1, 2, 8, 8})), ShapeError);  // 2 channels for 3
}

using LayersGpu = test::GpuTest;  // one fixture type: the suite spans the files of layers_tests

TEST_F(LayersGpu, Conv2dOnCudaMatchesCpu) {
  Conv2d cpu(6, 8, {.kernel_size = 3, .stride = 2, .padding = 1, .groups = 2});
  Conv2d gpu(6, 8, {.kernel_size = 3, .stride = 2, .padding = 1, .groups = 2});
  gpu.load_state_dict(cpu.state_dict());
  gpu.to(Device::cuda());
  const Tensor x = randn({3, 6, 9, 9});
  const Tensor y_cpu = cpu(x), y_gpu = gpu(x.to(Device::cuda()));
  const auto a = y_cpu.to_vector<float>(), b = y_gpu.to_vector<float>();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4) << i;
  sum(y_cpu).backward();
  sum(y_gpu).backward();
  const auto ga = cpu.weight.grad().to_vector<float>(), gb = gpu.weight.grad().to_vector<float>();
  for (std::size_t i = 0; i < ga.size(); ++i) EXPECT_NEAR(ga[i], gb[i], 1e-3) << i;
}

}  // namespace
}  // namespace minidl::nn
