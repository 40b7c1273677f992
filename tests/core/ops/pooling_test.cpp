// max_pool2d, avg_pool2d, adaptive_avg_pool2d and global_avg_pool2d: values against
// nested-loop references of PyTorch's definitions (and a hand-computed case), gradients
// against float64 finite differences, the max gradient going to the first of tied maxima,
// unbatched and non-contiguous inputs, float16 on the CPU, errors naming shape and window;
// PoolingGpu: cuDNN and the adaptive kernel against the CPU.
#include "core/ops/pooling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using test::gradcheck;
using test::random_leaf;

Tensor values(const Shape& shape, unsigned seed, DType dtype = DType::Float64) {
  return random_leaf(shape, seed).detach().to(dtype);
}

void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tol,
                  const std::string& what = "") {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << what << " element " << i;
}

// Window reference: for output (i, j) of each plane, the input positions of the window
// [i*s - p, i*s - p + k) x [...] with -inf (max) or 0 (average) outside the input.
enum class Kind { Max, AvgWithPad, AvgWithoutPad };

std::vector<double> reference_pool(const Tensor& x, Size2 k, Size2 s, Size2 p, Kind kind, Shape& shape) {
  const std::vector<double> xv = x.to_vector<double>();
  const int64_t planes = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
  const int64_t oh = (h + 2 * p.h - k.h) / s.h + 1, ow = (w + 2 * p.w - k.w) / s.w + 1;
  shape = {x.size(0), x.size(1), oh, ow};
  std::vector<double> y;
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        int64_t inside = 0;
        for (int64_t a = i * s.h - p.h; a < i * s.h - p.h + k.h; ++a)
          for (int64_t b = j * s.w - p.w; b < j * s.w - p.w + k.w; ++b) {
            if (a < 0 || a >= h || b < 0 || b >= w) continue;
            const double v = xv[(pl * h + a) * w + b];
            best = std::max(best, v);
            sum += v;
            ++inside;
          }
        y.push_back(kind == Kind::Max
                        ? best
                        : sum / static_cast<double>(kind == Kind::AvgWithPad ? k.h * k.w : inside));
      }
  return y;
}

std::vector<double> reference_adaptive(const Tensor& x, Size2 out) {
  const std::vector<double> xv = x.to_vector<double>();
  const int64_t planes = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
  std::vector<double> y;
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t i = 0; i < out.h; ++i)
      for (int64_t j = 0; j < out.w; ++j) {
        const auto h0 = static_cast<int64_t>(std::floor(double(i) * h / out.h));
        const auto h1 = static_cast<int64_t>(std::ceil(double(i + 1) * h / out.h));
        const auto w0 = static_cast<int64_t>(std::floor(double(j) * w / out.w));
        const auto w1 = static_cast<int64_t>(std::ceil(double(j + 1) * w / out.w));
        double sum = 0;
        for (int64_t a = h0; a < h1; ++a)
          for (int64_t b = w0; b < w1; ++b) sum += xv[(pl * h + a) * w + b];
        y.push_back(sum / static_cast<double>((h1 - h0) * (w1 - w0)));
      }
  return y;
}

struct PoolCase {
  Shape x;
  Size2 kernel, stride, padding;
};

const std::vector<PoolCase>& pool_cases() {
  static const std::vector<PoolCase> all = {
      {{2, 3, 6, 6}, 2, 2, 0},
      {{2, 2, 7, 5}, 2, 2, 0},
      {{2, 2, 7, 5}, 3, 2, 1},
      {{1, 2, 5, 6}, {3, 2}, {1, 2}, {1, 1}},
      {{2, 1, 8, 8}, 3, 1, 1},
      {{3, 2, 4, 4}, 4, 4, 2},
      {{2, 2, 9, 7}, {2, 3}, {3, 1}, {0, 1}},
  };
  return all;
}

std::string describe(const PoolCase& c) {
  return "x " + shape_str(c.x) + " k (" + std::to_string(c.kernel.h) + "," + std::to_string(c.kernel.w) +
         ") s (" + std::to_string(c.stride.h) + "," + std::to_string(c.stride.w) + ") p (" +
         std::to_string(c.padding.h) + "," + std::to_string(c.padding.w) + ")";
}

TEST(MaxPool2d, HandComputedValues) {
  const Tensor x = from_vector<float>({1, 2, 5, 6, 3, 4, 7, 8, 9, 10, 13, 14, 11, 12, 15, 16}, {1, 1, 4, 4});
  EXPECT_EQ(max_pool2d(x, 2).to_vector<float>(), std::vector<float>({4, 8, 12, 16}));
  EXPECT_EQ(avg_pool2d(x, 2).to_vector<float>(), std::vector<float>({2.5, 6.5, 10.5, 14.5}));
}

TEST(Pool2d, MaxAndAverageMatchReferenceLoops) {
  for (const DType dtype : {DType::Float64, DType::Float32}) {
    unsigned seed = 10;
    for (const PoolCase& c : pool_cases()) {
      const Tensor x = values(c.x, ++seed, dtype);
      Shape shape;
      const double tol = dtype == DType::Float64 ? 1e-12 : 1e-6;
      const std::vector<double> want_max = reference_pool(x, c.kernel, c.stride, c.padding, Kind::Max, shape);
      const Tensor y = max_pool2d(x, c.kernel, c.stride, c.padding);
      ASSERT_EQ(y.shape(), shape) << describe(c);
      expect_close(y.to_vector<double>(), want_max, tol, "max " + describe(c));
      expect_close(avg_pool2d(x, c.kernel, c.stride, c.padding).to_vector<double>(),
                   reference_pool(x, c.kernel, c.stride, c.padding, Kind::AvgWithPad, shape), tol,
                   "avg " + describe(c));
      expect_close(avg_pool2d(x, c.kernel, c.stride, c.padding, false).to_vector<double>(),
                   reference_pool(x, c.kernel, c.stride, c.padding, Kind::AvgWithoutPad, shape), tol,
                   "avg without pad " + describe(c));
    }
  }
}

TEST(Pool2d, GradientsMatchFiniteDifferences) {
  unsigned seed = 30;
  for (const PoolCase& c : pool_cases()) {
    const Tensor x = random_leaf(c.x, ++seed);  // distinct values: no ties within 1e-6
    EXPECT_TRUE(
        gradcheck([&c](const auto& in) { return max_pool2d(in[0], c.kernel, c.stride, c.padding); }, {x}))
        << "max " << describe(c);
    EXPECT_TRUE(
        gradcheck([&c](const auto& in) { return avg_pool2d(in[0], c.kernel, c.stride, c.padding); }, {x}))
        << "avg " << describe(c);
    EXPECT_TRUE(gradcheck(
        [&c](const auto& in) { return avg_pool2d(in[0], c.kernel, c.stride, c.padding, false); }, {x}))
        << "avg without pad " << describe(c);
  }
}

TEST(MaxPool2d, TiedMaximaSendTheGradientToTheFirst) {
  const Tensor x = full({1, 1, 2, 4}, 3.0, {.dtype = DType::Float64});
  x.requires_grad_(true);
  max_pool2d(x, 2).backward(from_vector<double>({1.0, 2.0}, {1, 1, 1, 2}));
  EXPECT_EQ(x.grad().to_vector<double>(), std::vector<double>({1, 0, 2, 0, 0, 0, 0, 0}));
}

TEST(MaxPool2d, NaNWinsItsWindowAndTakesTheGradientInBothPaths) {
  // 2x2 at stride 2 takes the direct path, 2x2 at stride (2, 1) the general one: same rule.
  const double nan = std::nan("");
  for (const Size2 stride : {Size2{2, 2}, Size2{2, 1}}) {
    const Tensor x = from_vector<double>({1, nan, 7, 2, nan, 3, 4, 9}, {1, 1, 2, 4});
    x.requires_grad_(true);
    const Tensor y = max_pool2d(x, 2, stride);
    const auto values = y.to_vector<double>();
    EXPECT_TRUE(std::isnan(values[0])) << "stride w " << stride.w;
    y.backward(full(y.shape(), 1.0, {.dtype = DType::Float64}));
    const auto grad = x.grad().to_vector<double>();
    if (stride.w == 2) {
      EXPECT_EQ(values[1], 9.0);
      // window 0 holds NaNs at positions 1 and 4 of the plane: the last one takes the gradient.
      EXPECT_EQ(grad, std::vector<double>({0, 0, 0, 0, 1, 0, 0, 1}));
    }
  }
}

TEST(MaxPool2d, OverlappingWindowsAccumulate) {
  // 1 x 3 input, kernel 2 stride 1: the middle element is the max of both windows.
  const Tensor x = from_vector<double>({0.0, 5.0, 1.0}, {1, 1, 1, 3});
  x.requires_grad_(true);
  max_pool2d(x, {1, 2}, 1).backward(from_vector<double>({1.5, 2.5}, {1, 1, 1, 2}));
  EXPECT_EQ(x.grad().to_vector<double>(), std::vector<double>({0.0, 4.0, 0.0}));
}

TEST(AdaptiveAvgPool2d, MatchesReferenceForDividingAndNonDividingSizes) {
  unsigned seed = 50;
  for (const auto& [shape, out] : std::vector<std::pair<Shape, Size2>>{{{2, 3, 6, 6}, 3},
                                                                       {{2, 2, 7, 5}, {3, 2}},
                                                                       {{1, 2, 3, 4}, {5, 6}},
                                                                       {{2, 2, 10, 9}, {4, 7}},
                                                                       {{2, 4, 5, 5}, 1}}) {
    const Tensor x = values(shape, ++seed);
    const Tensor y = adaptive_avg_pool2d(x, out);
    ASSERT_EQ(y.shape(), Shape({shape[0], shape[1], out.h, out.w}));
    expect_close(y.to_vector<double>(), reference_adaptive(x, out), 1e-12, shape_str(shape));
    const Tensor leaf = random_leaf(shape, ++seed);
    EXPECT_TRUE(gradcheck([out = out](const auto& in) { return adaptive_avg_pool2d(in[0], out); }, {leaf}))
        << shape_str(shape);
  }
}

TEST(GlobalAvgPool2d, IsTheMeanOfEachPlane) {
  const Tensor x = values({3, 4, 5, 6}, 70);
  const Tensor y = global_avg_pool2d(x);
  ASSERT_EQ(y.shape(), Shape({3, 4, 1, 1}));
  const std::vector<double> xv = x.to_vector<double>(), yv = y.to_vector<double>();
  for (int64_t plane = 0; plane < 12; ++plane) {
    double sum = 0;
    for (int64_t i = 0; i < 30; ++i) sum += xv[plane * 30 + i];
    EXPECT_NEAR(yv[plane], sum / 30, 1e-12);
  }
  EXPECT_TRUE(
      gradcheck([](const auto& in) { return global_avg_pool2d(in[0]); }, {random_leaf({2, 3, 4, 4}, 71)}));
}

TEST(Pool2d, UnbatchedAndNonContiguousInputs) {
  Tensor x = random_leaf({5, 6, 3}, 80).detach().permute({2, 0, 1});  // [3, 5, 6], channels-last storage
  x.requires_grad_(true);
  const Tensor y = max_pool2d(x, 2);
  ASSERT_EQ(y.shape(), Shape({3, 2, 3}));
  Shape shape;
  expect_close(y.to_vector<double>(), reference_pool(x.detach().unsqueeze(0), 2, 2, 0, Kind::Max, shape),
               1e-12);
  EXPECT_TRUE(gradcheck([](const auto& in) { return max_pool2d(in[0], 3, 2, 1); }, {x}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return avg_pool2d(in[0], 2, 1, 1); }, {x}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return adaptive_avg_pool2d(in[0], {2, 4}); }, {x}));
}

TEST(Pool2d, Float16OnCpuMatchesFloat32Rounded) {
  const Tensor x = values({2, 3, 7, 7}, 90, DType::Float16);
  const Tensor x32 = x.to(DType::Float32);
  EXPECT_EQ(max_pool2d(x, 3, 2, 1).to_vector<float>(),
            max_pool2d(x32, 3, 2, 1).to(DType::Float16).to_vector<float>());
  EXPECT_EQ(avg_pool2d(x, 2).to_vector<float>(), avg_pool2d(x32, 2).to(DType::Float16).to_vector<float>());
  EXPECT_EQ(adaptive_avg_pool2d(x, 3).to_vector<float>(),
            adaptive_avg_pool2d(x32, 3).to(DType::Float16).to_vector<float>());
}

TEST(Pool2d, ErrorsNameShapeAndWindow) {
  try {
    max_pool2d(zeros({1, 2, 2, 2}), 3);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("[1, 2, 2, 2]"), std::string::npos) << e.what();
  }
  try {
    avg_pool2d(zeros({4, 4}), 2);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("[4, 4]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(max_pool2d(zeros({1, 1, 8, 8}), 2, 2, 2), ValueError);  // padding > kernel/2
  EXPECT_THROW(max_pool2d(zeros({1, 1, 8, 8}), 2, {0, 1}), ValueError);
  EXPECT_THROW(adaptive_avg_pool2d(zeros({1, 1, 8, 8}), 0), ValueError);
  EXPECT_THROW(max_pool2d(zeros({1, 1, 8, 8}, {.dtype = DType::Int32}), 2), DTypeError);
}

// ---- CUDA against the CPU ----

class PoolingGpu : public test::GpuTest {};

void expect_gpu_matches(const std::function<Tensor(const Tensor&)>& op, const Tensor& x_cpu, double tol,
                        const std::string& what) {
  Tensor x = x_cpu.detach();
  x.requires_grad_(true);
  Tensor gx = x_cpu.detach().to(Device::cuda());
  gx.requires_grad_(true);
  const Tensor y = op(x), gy = op(gx);
  expect_close(gy.to(Device::cpu()).to_vector<double>(), y.to_vector<double>(), tol, "forward " + what);
  const Tensor up = values(y.shape(), 99, y.dtype());
  y.backward(up);
  gy.backward(up.to(Device::cuda()));
  expect_close(gx.grad().to(Device::cpu()).to_vector<double>(), x.grad().to_vector<double>(), tol,
               "grad " + what);
}

TEST_F(PoolingGpu, MaxAverageAndAdaptiveMatchCpu) {
  for (const DType dtype : {DType::Float64, DType::Float32}) {
    const double tol = dtype == DType::Float64 ? 1e-12 : 1e-6;
    unsigned seed = 200;
    for (const PoolCase& c : pool_cases()) {
      const Tensor x = values(c.x, ++seed, dtype);
      expect_gpu_matches([&c](const Tensor& t) { return max_pool2d(t, c.kernel, c.stride, c.padding); }, x,
                         tol, "max " + describe(c));
      expect_gpu_matches([&c](const Tensor& t) { return avg_pool2d(t, c.kernel, c.stride, c.padding); }, x,
                         tol, "avg " + describe(c));
      expect_gpu_matches(
          [&c](const Tensor& t) { return avg_pool2d(t, c.kernel, c.stride, c.padding, false); }, x, tol,
          "avg without pad " + describe(c));
    }
    for (const Size2 out : {Size2(3), Size2(2, 5), Size2(1), Size2(8, 3)}) {
      expect_gpu_matches([out](const Tensor& t) { return adaptive_avg_pool2d(t, out); },
                         values({2, 3, 7, 6}, 300, dtype), tol, "adaptive");
    }
  }
}

TEST_F(PoolingGpu, HalfPrecision) {
  const Tensor x = values({2, 4, 8, 8}, 310, DType::Float16);
  const Tensor gx = x.to(Device::cuda());
  EXPECT_EQ(max_pool2d(gx, 2).to(Device::cpu()).to_vector<float>(), max_pool2d(x, 2).to_vector<float>());
  expect_close(adaptive_avg_pool2d(gx, 3).to(Device::cpu()).to_vector<double>(),
               adaptive_avg_pool2d(x, 3).to_vector<double>(), 2e-3, "adaptive half");
}

}  // namespace
}  // namespace minidl
