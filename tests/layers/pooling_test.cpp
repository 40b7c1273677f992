// Pooling modules against nested-loop references: max and average pooling with the default
// stride (= kernel), explicit stride and padding, count_include_pad both ways, adaptive
// average pooling's overlapping windows; gradients by finite differences; CUDA against CPU.
#include "layers/pooling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/random.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl::nn {
namespace {

enum class Kind { Max, AvgIncludePad, AvgExcludePad };

// One (n, c) plane at a time; windows start at i*stride - pad, padding is -inf (max) or zeros.
std::vector<double> pool_reference(const Tensor& x, Kind kind, int64_t k, int64_t stride, int64_t pad) {
  const auto v = x.to_vector<double>();
  const int64_t planes = x.size(0) * x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Ho = (H + 2 * pad - k) / stride + 1, Wo = (W + 2 * pad - k) / stride + 1;
  std::vector<double> out;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < Ho; ++i)
      for (int64_t j = 0; j < Wo; ++j) {
        double best = -std::numeric_limits<double>::infinity(), total = 0;
        int64_t inside = 0;
        for (int64_t r = i * stride - pad; r < i * stride - pad + k; ++r)
          for (int64_t s = j * stride - pad; s < j * stride - pad + k; ++s) {
            if (r < 0 || r >= H || s < 0 || s >= W) continue;
            best = std::max(best, v[(p * H + r) * W + s]);
            total += v[(p * H + r) * W + s];
            ++inside;
          }
        out.push_back(kind == Kind::Max
                          ? best
                          : total / static_cast<double>(kind == Kind::AvgIncludePad ? k * k : inside));
      }
  return out;
}

void expect_near(const std::vector<double>& got, const std::vector<double>& expected) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-12) << i;
}

TEST(Pooling, MaxPoolDefaultStrideIsTheKernel) {
  const Tensor x = randn({2, 3, 6, 7}, {.dtype = DType::Float64});
  MaxPool2d pool(2);
  const Tensor y = pool(x);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 3, 3}));
  expect_near(y.to_vector<double>(), pool_reference(x, Kind::Max, 2, 2, 0));
  MaxPool2d padded(3, {.stride = 2, .padding = 1});
  expect_near(padded(x).to_vector<double>(), pool_reference(x, Kind::Max, 3, 2, 1));
}

TEST(Pooling, AvgPoolWithAndWithoutPaddingInTheDivisor) {
  const Tensor x = randn({2, 2, 5, 5}, {.dtype = DType::Float64});
  expect_near(AvgPool2d(2)(x).to_vector<double>(), pool_reference(x, Kind::AvgIncludePad, 2, 2, 0));
  expect_near(AvgPool2d(3, {.stride = 1, .padding = 1})(x).to_vector<double>(),
              pool_reference(x, Kind::AvgIncludePad, 3, 1, 1));
  expect_near(AvgPool2d(3, {.stride = 1, .padding = 1, .count_include_pad = false})(x).to_vector<double>(),
              pool_reference(x, Kind::AvgExcludePad, 3, 1, 1));
}

TEST(Pooling, AdaptiveAvgPoolWindows) {
  const Tensor x = randn({2, 3, 5, 7}, {.dtype = DType::Float64});
  const auto v = x.to_vector<double>();
  const Tensor y = AdaptiveAvgPool2d({2, 3})(x);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 2, 3}));
  std::vector<double> expected;
  for (int64_t p = 0; p < 6; ++p)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j) {
        // rows [floor(i*5/2), ceil((i+1)*5/2)), columns [floor(j*7/3), ceil((j+1)*7/3)).
        const int64_t r0 = i * 5 / 2, r1 = ((i + 1) * 5 + 1) / 2, c0 = j * 7 / 3, c1 = ((j + 1) * 7 + 2) / 3;
        double total = 0;
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t c = c0; c < c1; ++c) total += v[(p * 5 + r) * 7 + c];
        expected.push_back(total / static_cast<double>((r1 - r0) * (c1 - c0)));
      }
  expect_near(y.to_vector<double>(), expected);
  const Tensor global = AdaptiveAvgPool2d(1)(x);
  EXPECT_EQ(global.shape(), (Shape{2, 3, 1, 1}));
  std::vector<double> plane_means(6, 0.0);
  for (std::size_t i = 0; i < v.size(); ++i) plane_means[i / 35] += v[i] / 35;
  expect_near(global.to_vector<double>(), plane_means);
}

TEST(Pooling, GradientsByFiniteDifferences) {
  const Tensor x = test::random_leaf({1, 2, 5, 5}, 23);
  std::vector<std::shared_ptr<Module>> modules = {
      std::make_shared<MaxPool2d>(2, MaxPool2dOptions{.stride = 1}),
      std::make_shared<AvgPool2d>(3, AvgPool2dOptions{.stride = 2, .padding = 1, .count_include_pad = false}),
      std::make_shared<AdaptiveAvgPool2d>(Size2{3, 2})};
  for (const auto& m : modules)
    EXPECT_TRUE(test::gradcheck([&](const std::vector<Tensor>& in) { return (*m)(in[0]); }, {x}))
        << m->type_name();
}

using LayersGpu = test::GpuTest;  // one fixture type: the suite spans the files of layers_tests

TEST_F(LayersGpu, PoolingOnCudaMatchesCpu) {
  const Tensor x = randn({2, 3, 9, 8});
  std::vector<std::shared_ptr<Module>> modules = {
      std::make_shared<MaxPool2d>(3, MaxPool2dOptions{.stride = 2, .padding = 1}),
      std::make_shared<AvgPool2d>(2), std::make_shared<AdaptiveAvgPool2d>(Size2{4, 3})};
  for (const auto& m : modules) {
    const auto a = (*m)(x).to_vector<float>(), b = (*m)(x.to(Device::cuda())).to_vector<float>();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << m->type_name() << " " << i;
  }
}

}  // namespace
}  // namespace minidl::nn
