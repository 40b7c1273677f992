// The differentiable reductions (core/ops/reduction.cpp): values over every subset of
// dims, with and without keepdim, on contiguous and permuted inputs against a nested-
// loop float64 reference; float64 gradcheck of each; 16-bit and integer inputs; max's
// NaN and tie rules; sum_to; errors; ReductionGpu: CUDA against the CPU.
#include "core/ops/reduction.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using test::gradcheck;
using test::random_leaf;

// Reference statistics of x (any layout) over `dims`, by visiting every element.
struct Reference {
  std::vector<double> sum, mean, var, max;
  std::vector<int64_t> argmax;
};

Reference reference(const Tensor& x, const std::vector<int64_t>& dims, double correction) {
  const std::vector<double> v = x.to_vector<double>();  // row-major
  const Shape& shape = x.shape();
  const auto ndim = static_cast<int64_t>(shape.size());
  std::vector<bool> reduced(shape.size(), dims.empty());
  for (int64_t d : dims) reduced[d < 0 ? d + ndim : d] = true;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < ndim; ++d) (reduced[d] ? inner : outer) *= shape[d];
  std::vector<std::vector<std::pair<double, int64_t>>> groups(static_cast<std::size_t>(outer));
  for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i) {
    int64_t rest = i, o = 0, r = 0, o_scale = 1, r_scale = 1;
    for (int64_t d = ndim - 1; d >= 0; --d) {
      const int64_t index = rest % shape[d];
      rest /= shape[d];
      if (reduced[d])
        r += index * r_scale, r_scale *= shape[d];
      else
        o += index * o_scale, o_scale *= shape[d];
    }
    groups[o].emplace_back(v[i], r);
  }
  Reference ref;
  for (auto& g : groups) {
    double s = 0, m = -std::numeric_limits<double>::infinity();
    int64_t arg = -1;
    for (auto [value, r] : g) {
      s += value;
      if (value > m || (value == m && r < arg)) m = value, arg = r;
    }
    const double mean = s / static_cast<double>(inner);
    double m2 = 0;
    for (auto [value, r] : g) m2 += (value - mean) * (value - mean);
    ref.sum.push_back(s);
    ref.mean.push_back(mean);
    ref.var.push_back(m2 / (static_cast<double>(inner) - correction));
    ref.max.push_back(m);
    ref.argmax.push_back(arg);
  }
  return ref;
}

void expect_values(const Tensor& t, const std::vector<double>& expected, double tol,
                   const std::string& what) {
  const std::vector<double> got = t.to_vector<double>();
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], expected[i], tol * (1 + std::abs(expected[i]))) << what << " at " << i;
}

// Every non-empty subset of dims of a 3-d tensor, plus {} (everything) and a negative dim.
std::vector<std::vector<int64_t>> dim_sets() {
  return {{}, {0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}, {-1}, {2, 0}};
}

TEST(Reduction, ValuesOverEveryDimSetMatchTheReference) {
  const Tensor contiguous = random_leaf({3, 4, 5}, 1).detach();
  const Tensor permuted = random_leaf({5, 3, 4}, 2).detach().permute({1, 2, 0});  // (3, 4, 5), not contiguous
  for (const Tensor& x : {contiguous, permuted})
    for (const auto& dims : dim_sets())
      for (bool keepdim : {false, true}) {
        const std::string what = shape_str(dims) + (keepdim ? " keepdim" : "");
        const Reference ref = reference(x, dims, 1.0);
        expect_values(sum(x, dims, keepdim), ref.sum, 1e-13, "sum " + what);
        expect_values(mean(x, dims, keepdim), ref.mean, 1e-13, "mean " + what);
        expect_values(var(x, dims, true, keepdim), ref.var, 1e-12, "var " + what);
        if (dims.size() == 1) {
          expect_values(max(x, dims[0], keepdim), ref.max, 0, "max " + what);
          const std::vector<int64_t> arg = argmax(x, dims[0], keepdim).to_vector<int64_t>();
          EXPECT_EQ(arg, ref.argmax) << what;
        }
        // keepdim keeps each reduced dim as 1.
        const Shape shape = sum(x, dims, keepdim).shape();
        EXPECT_EQ(static_cast<int64_t>(shape.size()),
                  keepdim ? 3 : 3 - (dims.empty() ? 3 : static_cast<int64_t>(dims.size())));
      }
}

TEST(Reduction, BiasedVarianceAndMaxOfAll) {
  const Tensor x = from_vector<double>({1, 2, 3, 4, 10, -1}, {2, 3});
  EXPECT_DOUBLE_EQ(var(x, {}, false).item(), reference(x, {}, 0.0).var[0]);
  EXPECT_DOUBLE_EQ(var(x, {}, true).item(), reference(x, {}, 1.0).var[0]);
  EXPECT_DOUBLE_EQ(max(x).item(), 10.0);
  EXPECT_EQ(max(x).shape(), Shape{});
  EXPECT_EQ(sum(x).shape(), Shape{});
}

TEST(Reduction, LongSegmentsAndManySegments) {
  // One long segment (chunked across threads) and many short ones, in float32.
  const int64_t n = 1 << 20;
  const Tensor x = full({n}, 0.1);
  EXPECT_NEAR(sum(x).item(), 0.1f * static_cast<double>(n), 4e-3);  // half a float32 ulp: no drift
  EXPECT_NEAR(mean(x).item(), 0.1f, 1e-7);
  EXPECT_NEAR(var(x).item(), 0.0, 1e-12);
  const Tensor rows = arange(static_cast<double>(n), {.dtype = DType::Float64}).view({n / 4, 4});
  const std::vector<double> s = sum(rows, {1}).to_vector<double>();
  for (int64_t i = 0; i < n / 4; i += 1001) EXPECT_EQ(s[i], 16.0 * static_cast<double>(i) + 6.0);
  const std::vector<double> cols = sum(rows, {0}).to_vector<double>();
  for (int64_t j = 0; j < 4; ++j) {
    const double m = static_cast<double>(n / 4);
    EXPECT_EQ(cols[j], 4.0 * m * (m - 1) / 2 + static_cast<double>(j) * m);
  }
}

TEST(Reduction, GradcheckEveryReduction) {
  unsigned seed = 10;
  for (const Tensor& base :
       {random_leaf({3, 4, 2}, 3), random_leaf({4, 2, 3}, 4).detach().permute({2, 0, 1})}) {
    Tensor x = base;
    if (!x.requires_grad()) x.requires_grad_(true);
    for (const auto& dims : dim_sets())
      for (bool keepdim : {false, true}) {
        const std::string what = shape_str(dims) + (keepdim ? " keepdim" : "");
        auto check = [&](auto f, const char* name) {
          EXPECT_TRUE(
              gradcheck([&](const std::vector<Tensor>& in) { return f(in[0]); }, {x}, {.seed = seed++}))
              << name << " " << what;
        };
        check([&](const Tensor& t) { return sum(t, dims, keepdim); }, "sum");
        check([&](const Tensor& t) { return mean(t, dims, keepdim); }, "mean");
        check([&](const Tensor& t) { return var(t, dims, true, keepdim); }, "var");
        check([&](const Tensor& t) { return var(t, dims, false, keepdim); }, "var biased");
        if (dims.size() == 1) check([&](const Tensor& t) { return max(t, dims[0], keepdim); }, "max");
      }
    EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return max(in[0]); }, {x}));
  }
}

TEST(Reduction, MaxGradientGoesToTheFirstMaximum) {
  const Tensor x = from_vector<double>({1, 5, 5, 0, 7, 7}, {2, 3});
  x.requires_grad_(true);
  sum(max(x, 1) * from_vector<double>({10, 20})).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 10, 0, 0, 20, 0}));
  EXPECT_EQ(argmax(x, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(argmax(x, 1, true).shape(), (Shape{2, 1}));
}

TEST(Reduction, MaxPropagatesNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor x = from_vector<double>({1, nan, 3, 4, 5, 6}, {2, 3});
  const std::vector<double> m = max(x, 1).to_vector<double>();
  EXPECT_TRUE(std::isnan(m[0]));
  EXPECT_EQ(m[1], 6.0);
  EXPECT_EQ(argmax(x, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(std::isnan(max(x).item()));
}

TEST(Reduction, SixteenBitInputsReduceInFloat) {
  // 4096 ones in float16: a float16 accumulator would stall at 2048.
  for (DType dtype : {DType::Float16, DType::BFloat16}) {
    const Tensor x = ones({4096}, {.dtype = dtype});
    EXPECT_EQ(sum(x).dtype(), dtype);
    EXPECT_EQ(sum(x).item(), 4096.0) << dtype;
    EXPECT_EQ(mean(x).item(), 1.0) << dtype;
    EXPECT_EQ(var(x).item(), 0.0) << dtype;
    const Tensor y = from_vector<float>({0.5f, -2.0f, 3.0f, 1.25f}).to(dtype);
    EXPECT_EQ(max(y, 0).item(), 3.0);
    EXPECT_EQ(argmax(y, 0).item(), 2.0);
  }
}

TEST(Reduction, IntegerSumsAreInt64AndOtherReductionsNeedFloats) {
  const Tensor b = from_vector<bool>({true, false, true, true});
  EXPECT_EQ(sum(b).dtype(), DType::Int64);
  EXPECT_EQ(sum(b).item(), 3.0);
  const Tensor i = from_vector<int32_t>({2000000000, 2000000000, 5}, {3});
  EXPECT_EQ(sum(i).to_vector<int64_t>(), (std::vector<int64_t>{4000000005}));
  EXPECT_EQ(sum(from_vector<uint8_t>({200, 100})).item(), 300.0);
  EXPECT_THROW(mean(i), DTypeError);
  EXPECT_THROW(var(i), DTypeError);
  EXPECT_THROW(max(i, 0), DTypeError);
}

TEST(Reduction, EmptyAndDegenerateCases) {
  EXPECT_EQ(sum(zeros({0, 3}), {0}).to_vector<float>(), (std::vector<float>{0, 0, 0}));
  EXPECT_TRUE(std::isnan(mean(zeros({0})).item()));
  EXPECT_TRUE(std::isnan(var(ones({1})).item()));  // one value, Bessel's correction: 0/0
  EXPECT_EQ(var(ones({1}), {}, false).item(), 0.0);
  EXPECT_THROW(max(zeros({0, 3}), 0), ValueError);
  EXPECT_EQ(sum(full({}, 2.5)).item(), 2.5);  // 0-d: nothing to reduce
  EXPECT_EQ(sum(full({}, 2.5), {0}).item(), 2.5);
}

TEST(Reduction, BadDimsAreRejected) {
  EXPECT_THROW(sum(zeros({2, 3}), {2}), ValueError);
  EXPECT_THROW(sum(zeros({2, 3}), {1, -1}), ValueError);  // the same dim twice
  EXPECT_THROW(max(zeros({2, 3}), -3), ValueError);
}

TEST(Reduction, SumToUndoesBroadcasting) {
  const Tensor g = arange(24.0, {.dtype = DType::Float64}).view({2, 3, 4});
  EXPECT_EQ(sum_to(g, {2, 3, 4}).is_same(g), true);
  const Tensor to_row = sum_to(g, {4});
  const Tensor to_col = sum_to(g, {3, 1});
  EXPECT_EQ(to_row.shape(), (Shape{4}));
  EXPECT_EQ(to_col.shape(), (Shape{3, 1}));
  const std::vector<double> gv = g.to_vector<double>();
  for (int k = 0; k < 4; ++k) {
    double expected = 0;
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) expected += gv[(i * 3 + j) * 4 + k];
    EXPECT_EQ(to_row.to_vector<double>()[k], expected);
  }
  for (int j = 0; j < 3; ++j) {
    double expected = 0;
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 4; ++k) expected += gv[(i * 3 + j) * 4 + k];
    EXPECT_EQ(to_col.to_vector<double>()[j], expected);
  }
  EXPECT_EQ(sum_to(g, {}).item(), 276.0);
  EXPECT_THROW(sum_to(g, {5}), ShapeError);
  EXPECT_THROW(sum_to(g, {2, 1, 3, 4, 1}), ShapeError);
  EXPECT_EQ(sum_to(g, {1, 1, 2, 3, 4}).shape(), (Shape{1, 1, 2, 3, 4}));  // leading 1s only
  const Tensor x = random_leaf({2, 3, 4}, 5);
  EXPECT_TRUE(gradcheck([](const std::vector<Tensor>& in) { return sum_to(in[0], {3, 1}); }, {x}));
}

TEST(Reduction, NothingRecordedWithoutGrad) {
  EXPECT_FALSE(sum(ones({3})).requires_grad());
  const Tensor w = random_leaf({3}, 6);
  EXPECT_EQ(sum(w).grad_fn_name(), "sum");
  EXPECT_EQ(mean(w).grad_fn_name(), "mean");
  EXPECT_FALSE(argmax(w, 0).requires_grad());
  autograd::NoGradGuard no_grad;
  EXPECT_FALSE(sum(w).requires_grad());
}

// ---- GPU parity ----

class ReductionGpu : public test::GpuTest {};

void expect_parity(const std::function<Tensor(const Tensor&)>& f, const Tensor& cpu_input, double tol,
                   const std::string& what) {
  Tensor xc = cpu_input.detach();
  Tensor xg = xc.to(Device::cuda());
  xc.requires_grad_(is_floating(xc.dtype()));
  xg.requires_grad_(is_floating(xg.dtype()));
  const Tensor yc = f(xc), yg = f(xg);
  ASSERT_EQ(yg.shape(), yc.shape()) << what;
  ASSERT_EQ(yg.dtype(), yc.dtype()) << what;
  expect_values(yg, yc.to_vector<double>(), tol, what + " forward");
  if (!yc.requires_grad()) return;
  const Tensor w = random_leaf(yc.shape(), 7).detach().to(yc.dtype());
  sum(yc * w).backward();
  sum(yg * w.to(Device::cuda())).backward();
  expect_values(xg.grad(), xc.grad().to_vector<double>(), tol, what + " backward");
}

TEST_F(ReductionGpu, EveryReductionMatchesTheCpu) {
  const Tensor small = random_leaf({6, 7, 9}, 8).detach().to(DType::Float32);
  const Tensor permuted = random_leaf({9, 6, 7}, 9).detach().to(DType::Float32).permute({1, 2, 0});
  for (const Tensor& x : {small, permuted})
    for (const auto& dims : dim_sets())
      for (bool keepdim : {false, true}) {
        const std::string what = shape_str(dims) + (keepdim ? " keepdim" : "");
        expect_parity([&](const Tensor& t) { return sum(t, dims, keepdim); }, x, 1e-5, "sum " + what);
        expect_parity([&](const Tensor& t) { return mean(t, dims, keepdim); }, x, 1e-5, "mean " + what);
        expect_parity([&](const Tensor& t) { return var(t, dims, true, keepdim); }, x, 1e-4, "var " + what);
        if (dims.size() == 1) {
          expect_parity([&](const Tensor& t) { return max(t, dims[0], keepdim); }, x, 0, "max " + what);
          expect_parity([&](const Tensor& t) { return argmax(t, dims[0], keepdim); }, x, 0, "argmax " + what);
        }
      }
}

TEST_F(ReductionGpu, LongSegmentsSplitAcrossBlocksMatchTheCpu) {
  // One segment of 2^22 (split pass + partials pass), a few long ones, many short ones.
  const Tensor x = random_leaf({1 << 22}, 10).detach().to(DType::Float32);
  expect_parity([](const Tensor& t) { return sum(t); }, x, 1e-4, "sum of 4M");
  expect_parity([](const Tensor& t) { return var(t); }, x, 1e-4, "var of 4M");
  expect_parity([](const Tensor& t) { return max(t); }, x, 0, "max of 4M");
  const Tensor rows = x.view({8, 1 << 19});
  expect_parity([](const Tensor& t) { return mean(t, {1}); }, rows, 1e-5, "mean of 8 rows");
  expect_parity([](const Tensor& t) { return sum(t, {0}); }, rows, 1e-5, "column sums");
  expect_parity([](const Tensor& t) { return sum(t, {1}); }, x.view({1 << 20, 4}), 1e-5, "many short rows");
}

TEST_F(ReductionGpu, SixteenBitAndIntegerInputsMatchTheCpu) {
  for (DType dtype : {DType::Float16, DType::BFloat16}) {
    const Tensor x = random_leaf({64, 300}, 11).detach().to(dtype);
    expect_parity([](const Tensor& t) { return sum(t, {1}); }, x, 1e-2, "16-bit sum");
    expect_parity([](const Tensor& t) { return mean(t); }, x, 1e-2, "16-bit mean");
    expect_parity([](const Tensor& t) { return max(t, 0); }, x, 0, "16-bit max");
  }
  expect_parity([](const Tensor& t) { return sum(t, {0}); },
                from_vector<int32_t>({1, 2, 3, 2000000000}, {2, 2}), 0, "int sum");
  expect_parity(
      [](const Tensor& t) { return sum(gt(t, zeros({}, {.dtype = t.dtype(), .device = t.device()}))); },
      random_leaf({1000}, 12).detach(), 0, "count of positives");
}

}  // namespace
}  // namespace minidl
