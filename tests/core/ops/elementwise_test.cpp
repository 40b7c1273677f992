// The differentiable element-wise ops (core/ops/elementwise.cpp): float64 gradcheck of
// every op on random shapes, broadcast pairs and non-contiguous inputs; forward values
// against nested-loop / <cmath> references; PyTorch's type promotion; errors naming both
// shapes/devices; ElementwiseGpu: CUDA against the CPU. In-place forms: elementwise_inplace_test.cpp.
#include "core/ops/elementwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/ops/reduction.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using test::gradcheck;
using test::random_leaf;

using UnaryFn = std::function<Tensor(const Tensor&)>;
using BinaryFn = std::function<Tensor(const Tensor&, const Tensor&)>;

struct UnaryCase {
  std::string name;
  UnaryFn fn;
  double low, high;  // input domain (away from poles; kinks are hit with probability ~0)
  std::function<double(double)> reference;
};

std::vector<UnaryCase> unary_cases() {
  return {
      {"neg", [](const Tensor& x) { return neg(x); }, -1, 1, [](double x) { return -x; }},
      {"exp", [](const Tensor& x) { return exp(x); }, -1, 1, [](double x) { return std::exp(x); }},
      {"log", [](const Tensor& x) { return log(x); }, 0.2, 2, [](double x) { return std::log(x); }},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, 0.2, 2, [](double x) { return std::sqrt(x); }},
      {"abs", [](const Tensor& x) { return abs(x); }, -1, 1, [](double x) { return std::fabs(x); }},
      {"sign", [](const Tensor& x) { return sign(x); }, -1, 1, [](double x) { return x > 0 ? 1.0 : -1.0; }},
      {"pow3", [](const Tensor& x) { return pow(x, 3.0); }, -1, 1, [](double x) { return x * x * x; }},
      {"pow2", [](const Tensor& x) { return pow(x, 2.0); }, -1, 1, [](double x) { return x * x; }},
      {"pow_half", [](const Tensor& x) { return pow(x, 0.5); }, 0.2, 2,
       [](double x) { return std::sqrt(x); }},
      {"pow_neg", [](const Tensor& x) { return pow(x, -1.5); }, 0.2, 2,
       [](double x) { return std::pow(x, -1.5); }},
      {"clamp", [](const Tensor& x) { return clamp(x, -0.5, 0.5); }, -1, 1,
       [](double x) { return std::min(std::max(x, -0.5), 0.5); }},
      {"relu", [](const Tensor& x) { return relu(x); }, -1, 1, [](double x) { return std::max(x, 0.0); }},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.2); }, -1, 1,
       [](double x) { return x > 0 ? x : 0.2 * x; }},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, -3, 3,
       [](double x) { return 1 / (1 + std::exp(-x)); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }, -3, 3, [](double x) { return std::tanh(x); }},
      {"gelu", [](const Tensor& x) { return gelu(x); }, -3, 3,
       [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {"add_scalar", [](const Tensor& x) { return x + 2.0; }, -1, 1, [](double x) { return x + 2; }},
      {"sub_scalar", [](const Tensor& x) { return x - 2.0; }, -1, 1, [](double x) { return x - 2; }},
      {"mul_scalar", [](const Tensor& x) { return x * 3.0; }, -1, 1, [](double x) { return x * 3; }},
      {"div_scalar", [](const Tensor& x) { return x / 4.0; }, -1, 1, [](double x) { return x / 4; }},
      {"scalar_add", [](const Tensor& x) { return 2.0 + x; }, -1, 1, [](double x) { return 2 + x; }},
      {"scalar_sub", [](const Tensor& x) { return 2.0 - x; }, -1, 1, [](double x) { return 2 - x; }},
      {"scalar_mul", [](const Tensor& x) { return 3.0 * x; }, -1, 1, [](double x) { return 3 * x; }},
      {"scalar_div", [](const Tensor& x) { return 3.0 / x; }, 0.5, 2, [](double x) { return 3 / x; }},
      {"operator_neg", [](const Tensor& x) { return -x; }, -1, 1, [](double x) { return -x; }},
  };
}

struct BinaryCase {
  std::string name;
  BinaryFn fn;
  double b_low, b_high;
  std::function<double(double, double)> reference;
};

std::vector<BinaryCase> binary_cases() {
  return {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }, -1, 1,
       [](double a, double b) { return a + b; }},
      {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }, -1, 1,
       [](double a, double b) { return a - b; }},
      {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }, -1, 1,
       [](double a, double b) { return a * b; }},
      {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }, 0.5, 1.5,
       [](double a, double b) { return a / b; }},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }, -1, 1,
       [](double a, double b) { return std::max(a, b); }},
      {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }, -1, 1,
       [](double a, double b) { return std::min(a, b); }},
      {"operator+", [](const Tensor& a, const Tensor& b) { return a + b; }, -1, 1,
       [](double a, double b) { return a + b; }},
      {"operator-", [](const Tensor& a, const Tensor& b) { return a - b; }, -1, 1,
       [](double a, double b) { return a - b; }},
      {"operator*", [](const Tensor& a, const Tensor& b) { return a * b; }, -1, 1,
       [](double a, double b) { return a * b; }},
      {"operator/", [](const Tensor& a, const Tensor& b) { return a / b; }, 0.5, 1.5,
       [](double a, double b) { return a / b; }},
  };
}

// A float64 leaf of `shape` that is not contiguous: a transposed (>= 2 dims) or
// every-other-element (1 dim) view of a bigger buffer.
Tensor strided_leaf(const Shape& shape, unsigned seed, double low = -1, double high = 1) {
  if (shape.empty()) return random_leaf(shape, seed, low, high);
  Tensor view;
  if (shape.size() >= 2) {
    Shape swapped = shape;
    std::swap(swapped[swapped.size() - 1], swapped[swapped.size() - 2]);
    view = random_leaf(swapped, seed, low, high).detach().transpose(-1, -2);
  } else {
    view = random_leaf({shape[0] * 2}, seed, low, high).detach().slice(0, 0, shape[0] * 2, 2);
  }
  view.requires_grad_(true);
  return view;
}

Shape random_shape(std::mt19937& rng) {
  std::uniform_int_distribution<int> ndim(1, 3), size(1, 4);
  Shape shape(static_cast<std::size_t>(ndim(rng)));
  for (int64_t& s : shape) s = size(rng);
  return shape;
}

// Pairs of shapes that broadcast (plus same-shape random ones).
std::vector<std::pair<Shape, Shape>> shape_pairs() {
  std::vector<std::pair<Shape, Shape>> pairs = {{{3, 1, 4}, {2, 4}}, {{2, 3}, {3}},   {{4, 1}, {1, 5}},
                                                {{}, {2, 2}},        {{2, 1, 3}, {}}, {{1}, {3, 2}}};
  std::mt19937 rng(7);
  for (int i = 0; i < 3; ++i) {
    const Shape s = random_shape(rng);
    pairs.emplace_back(s, s);
  }
  return pairs;
}

TEST(Elementwise, GradcheckEveryUnaryOpOnRandomShapes) {
  std::mt19937 rng(1);
  unsigned seed = 100;
  for (const UnaryCase& c : unary_cases()) {
    for (int trial = 0; trial < 3; ++trial) {
      const Shape shape = random_shape(rng);
      const Tensor x = random_leaf(shape, seed++, c.low, c.high);
      EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, {x}))
          << c.name << " on " << shape_str(shape);
    }
    const Tensor strided = strided_leaf({3, 4}, seed++, c.low, c.high);
    EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, {strided}))
        << c.name << " on a transposed input";
    const Tensor sliced = strided_leaf({5}, seed++, c.low, c.high);
    EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, {sliced}))
        << c.name << " on a strided slice";
  }
}

TEST(Elementwise, GradcheckEveryBinaryOpWithBroadcasting) {
  unsigned seed = 200;
  for (const BinaryCase& c : binary_cases()) {
    for (const auto& [sa, sb] : shape_pairs()) {
      const Tensor a = random_leaf(sa, seed++);
      const Tensor b = random_leaf(sb, seed++, c.b_low, c.b_high);
      EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return c.fn(in[0], in[1]); }, {a, b}))
          << c.name << " on " << shape_str(sa) << " and " << shape_str(sb);
    }
    const Tensor a = strided_leaf({2, 3}, seed++);
    const Tensor b = strided_leaf({3}, seed++, c.b_low, c.b_high);
    EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return c.fn(in[0], in[1]); }, {a, b}))
        << c.name << " on non-contiguous inputs";
  }
}

TEST(Elementwise, GradcheckOnlyOneInputRequiringGrad) {
  const Tensor a = random_leaf({2, 3}, 1);
  const Tensor b = random_leaf({3}, 2, 0.5, 1.5).detach();
  EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return div(in[0], b); }, {a}));
  EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return mul(b, in[0]); }, {a}));
}

TEST(Elementwise, GradcheckWhere) {
  const Tensor cond = gt(random_leaf({3, 1, 4}, 5).detach(), zeros({}, {.dtype = DType::Float64}));
  const Tensor a = random_leaf({2, 4}, 6);
  const Tensor b = strided_leaf({3, 2, 4}, 7);
  EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return where(cond, in[0], in[1]); }, {a, b}));
}

TEST(Elementwise, GradcheckComposite) {
  // A small expression mixing broadcasting, views and activations.
  const Tensor x = random_leaf({4, 3}, 11);
  const Tensor w = random_leaf({3}, 12);
  EXPECT_TRUE(gradcheck(
      [](const std::vector<Tensor>& in) {
        const Tensor h = tanh(in[0] * in[1] + 0.5) * sigmoid(in[0]);
        return gelu(h.t()) / (1.0 + exp(-h.t()));
      },
      {x, w}));
}

TEST(Elementwise, ForwardValuesMatchReferences) {
  for (const UnaryCase& c : unary_cases()) {
    const Tensor x = random_leaf({3, 5}, 21, c.low, c.high).detach().to(DType::Float32);
    const std::vector<float> in = x.to_vector<float>();
    const std::vector<float> out = c.fn(x).to_vector<float>();
    ASSERT_EQ(out.size(), in.size());
    for (std::size_t i = 0; i < in.size(); ++i)
      EXPECT_NEAR(out[i], c.reference(in[i]), 2e-6 * (1 + std::abs(c.reference(in[i]))))
          << c.name << " at " << in[i];
  }
}

TEST(Elementwise, BroadcastAddMatchesNestedLoops) {
  const Tensor a = arange(12).view({3, 1, 4});
  const Tensor b = arange(8).view({2, 4}) * 10.0;
  const std::vector<float> out = add(a, b).to_vector<float>();
  ASSERT_EQ(add(a, b).shape(), (Shape{3, 2, 4}));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 4; ++k) EXPECT_EQ(out[(i * 2 + j) * 4 + k], (i * 4 + k) + 10.f * (j * 4 + k));
}

TEST(Elementwise, BinaryValuesOnNonContiguousInputs) {
  for (const BinaryCase& c : binary_cases()) {
    const Tensor a = strided_leaf({4, 3}, 31).detach();
    const Tensor b = strided_leaf({3}, 32, c.b_low, c.b_high).detach();
    const std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
    const std::vector<double> out = c.fn(a, b).to_vector<double>();
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 3; ++j)
        EXPECT_DOUBLE_EQ(out[i * 3 + j], c.reference(av[i * 3 + j], bv[j])) << c.name;
  }
}

TEST(Elementwise, LargeInputsTakeTheParallelPaths) {
  // Past the parallel grain, contiguous and broadcast (row-walk) loops both.
  const int64_t rows = 300, cols = 257;
  const Tensor a = arange(static_cast<double>(rows * cols), {.dtype = DType::Float64}).view({rows, cols});
  const Tensor b = arange(static_cast<double>(cols), {.dtype = DType::Float64});
  const std::vector<double> same = add(a, a).to_vector<double>();
  const std::vector<double> bcast = add(a.t(), b.view({cols, 1})).to_vector<double>();
  for (int64_t i = 0; i < rows * cols; i += 97) EXPECT_EQ(same[i], 2.0 * static_cast<double>(i));
  for (int64_t j = 0; j < cols; j += 13)
    for (int64_t i = 0; i < rows; i += 29)
      EXPECT_EQ(bcast[j * rows + i], static_cast<double>(i * cols + j + j));
}

TEST(Elementwise, ComparisonsReturnBool) {
  const Tensor a = from_vector<float>({1, 2, 3, 4});
  const Tensor b = from_vector<int64_t>({1, 3, 3, 2});
  EXPECT_EQ(eq(a, b).dtype(), DType::Bool);
  EXPECT_EQ(eq(a, b).to_vector<bool>(), (std::vector<bool>{true, false, true, false}));
  EXPECT_EQ(gt(a, b).to_vector<bool>(), (std::vector<bool>{false, false, false, true}));
  EXPECT_EQ(lt(a, b).to_vector<bool>(), (std::vector<bool>{false, true, false, false}));
  EXPECT_EQ(eq(gt(a, b), lt(a, b)).to_vector<bool>(), (std::vector<bool>{true, false, true, false}));
}

TEST(Elementwise, WhereSelectsAndPromotes) {
  const Tensor cond = from_vector<bool>({true, false, true});
  const Tensor out = where(cond, from_vector<int32_t>({1, 2, 3}), from_vector<float>({-1, -2, -3}));
  EXPECT_EQ(out.dtype(), DType::Float32);
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{1, -2, 3}));
  EXPECT_THROW(where(from_vector<float>({1, 0, 1}), out, out), DTypeError);
}

TEST(Elementwise, TypePromotionFollowsPyTorch) {
  const Tensor i32 = from_vector<int32_t>({7, -2});
  const Tensor i64 = from_vector<int64_t>({2, 4});
  const Tensor f32 = from_vector<float>({0.5f, 1.5f});
  const Tensor f64 = from_vector<double>({0.25, 2.0});
  const Tensor f16 = f32.to(DType::Float16);
  const Tensor bf16 = f32.to(DType::BFloat16);
  EXPECT_EQ(add(i32, f32).dtype(), DType::Float32);
  EXPECT_EQ(add(i32, f32).to_vector<float>(), (std::vector<float>{7.5f, -0.5f}));
  EXPECT_EQ(add(i32, i64).dtype(), DType::Int64);
  EXPECT_EQ(mul(i32, i64).to_vector<int64_t>(), (std::vector<int64_t>{14, -8}));
  EXPECT_EQ(add(f32, f64).dtype(), DType::Float64);
  EXPECT_EQ(add(f16, f32).dtype(), DType::Float32);
  EXPECT_EQ(add(f16, bf16).dtype(), DType::Float32);
  EXPECT_EQ(add(f16, f16).dtype(), DType::Float16);
  EXPECT_EQ(add(i64, f16).dtype(), DType::Float16);
  // True division and math functions of integers compute in float32.
  EXPECT_EQ(div(i32, i64).dtype(), DType::Float32);
  EXPECT_EQ(div(i32, i64).to_vector<float>(), (std::vector<float>{3.5f, -0.5f}));
  EXPECT_EQ(exp(i64).dtype(), DType::Float32);
  EXPECT_EQ(add(i32, 1.0).dtype(), DType::Float32);
  EXPECT_EQ(maximum(i32, i64).to_vector<int64_t>(), (std::vector<int64_t>{7, 4}));
  EXPECT_EQ(neg(i32).dtype(), DType::Int32);
  EXPECT_THROW(add(from_vector<bool>({true}), from_vector<bool>({true})), DTypeError);
}

TEST(Elementwise, SixteenBitMathComputesInFloat) {
  const std::vector<float> values = {-2.5f, -0.75f, 0.1f, 1.0f, 3.25f};
  for (DType dtype : {DType::Float16, DType::BFloat16}) {
    const Tensor x = from_vector(values).to(dtype);
    const std::vector<float> stored = x.to_vector<float>();  // the inputs as rounded to 16 bits
    const double tol = dtype == DType::Float16 ? 1e-3 : 8e-3;
    const Tensor y = exp(x);
    const Tensor z = gelu(x) * x;
    EXPECT_EQ(y.dtype(), dtype);
    EXPECT_EQ(z.dtype(), dtype);
    const std::vector<float> yv = y.to_vector<float>(), zv = z.to_vector<float>();
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double e = std::exp(static_cast<double>(stored[i]));
      EXPECT_NEAR(yv[i], e, tol * e) << dtype;
      // gelu(x) is rounded to 16 bits before the product: allow two roundings.
      const double g = 0.5 * stored[i] * (1 + std::erf(stored[i] / std::sqrt(2.0))) * stored[i];
      EXPECT_NEAR(zv[i], g, 2 * tol * std::abs(g) + 1e-3) << dtype;
    }
  }
}

TEST(Elementwise, MismatchedShapesNameBoth) {
  try {
    (void)add(zeros({2, 3}), zeros({4}));
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[4]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("add"), std::string::npos) << msg;
  }
  EXPECT_EQ(broadcast_shapes({3, 1, 4}, {2, 4}), (Shape{3, 2, 4}));
  EXPECT_THROW(broadcast_shapes({3}, {2}), ShapeError);
}

TEST(Elementwise, MismatchedDevicesNameBoth) {
  // A tensor that claims to live on cuda:0 (host memory; no kernel ever touches it).
  static float storage[4];
  const Tensor fake(Storage::wrap(storage, sizeof storage, Device::cuda(0), {}), {4}, {1}, 0, DType::Float32);
  for (const auto& op : std::vector<BinaryFn>{[](const Tensor&a, const Tensor&b) { return add(a, b); },
                                              [](const Tensor&a, const Tensor&b) { return mul(a, b); },
                                              [](const Tensor&a, const Tensor&b) { return maximum(a, b); }}) {
    try {
      (void)op(zeros({4}), fake);
      FAIL() << "expected DeviceError";
    } catch (const DeviceError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("expected all tensors on the same device, got cpu and cuda:0"), std::string::npos)
          << msg;
    }
  }
  EXPECT_THROW(add_(zeros({4}), fake), DeviceError);
  EXPECT_THROW(where(from_vector<bool>({true, true, true, true}), zeros({4}), fake), DeviceError);
}

TEST(Elementwise, NothingRecordedWithoutGrad) {
  const Tensor a = random_leaf({3}, 51).detach();
  EXPECT_FALSE(relu(a).requires_grad());
  EXPECT_TRUE(relu(a).is_leaf());
  const Tensor w = random_leaf({3}, 52);
  EXPECT_EQ(relu(w).grad_fn_name(), "relu");
  EXPECT_EQ((w - a).grad_fn_name(), "sub");
  EXPECT_FALSE(gt(w, a).requires_grad());
}

TEST(Elementwise, EmptyTensorsGiveEmptyResults) {
  EXPECT_EQ(add(zeros({0, 3}), zeros({3})).shape(), (Shape{0, 3}));
  EXPECT_EQ(relu(zeros({2, 0})).numel(), 0);
}

// ---- GPU parity: every op forward and backward on CUDA against the CPU ----

class ElementwiseGpu : public test::GpuTest {};

void expect_close(const Tensor& gpu, const Tensor& cpu, double tol, const std::string& what) {
  ASSERT_EQ(gpu.shape(), cpu.shape()) << what;
  ASSERT_EQ(gpu.dtype(), cpu.dtype()) << what;
  const std::vector<double> g = gpu.to_vector<double>(), c = cpu.to_vector<double>();
  for (std::size_t i = 0; i < g.size(); ++i)
    EXPECT_NEAR(g[i], c[i], tol * (1 + std::abs(c[i]))) << what << " at " << i;
}

// f(inputs) and the gradients of sum(w * f) on both devices.
void expect_parity(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                   const std::vector<Tensor>& cpu_inputs, double tol, const std::string& what) {
  std::vector<Tensor> gpu_inputs;
  for (const Tensor& x : cpu_inputs) {
    gpu_inputs.push_back(x.detach().to(Device::cuda()));
    if (x.requires_grad()) gpu_inputs.back().requires_grad_(true);
  }
  const Tensor yc = f(cpu_inputs), yg = f(gpu_inputs);
  expect_close(yg, yc, tol, what + " forward");
  if (!yc.requires_grad()) return;
  const Tensor w = random_leaf(yc.shape(), 99).detach().to(yc.dtype());
  sum(yc * w).backward();
  sum(yg * w.to(Device::cuda())).backward();
  for (std::size_t k = 0; k < cpu_inputs.size(); ++k)
    if (cpu_inputs[k].requires_grad())
      expect_close(gpu_inputs[k].grad(), cpu_inputs[k].grad(), tol, what + " grad " + std::to_string(k));
}

TEST_F(ElementwiseGpu, UnaryOpsMatchTheCpu) {
  for (const UnaryCase& c : unary_cases())
    for (DType dtype : {DType::Float32, DType::Float64}) {
      Tensor x = random_leaf({37, 29}, 3, c.low, c.high).detach().to(dtype);
      x.requires_grad_(true);
      expect_parity([&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, {x}, 1e-5, c.name);
      Tensor xt = random_leaf({29, 37}, 4, c.low, c.high).detach().to(dtype).t();
      xt.requires_grad_(true);
      expect_parity([&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, {xt}, 1e-5,
                    c.name + " transposed");
    }
}

TEST_F(ElementwiseGpu, BinaryOpsMatchTheCpuWithBroadcasting) {
  for (const BinaryCase& c : binary_cases())
    for (const auto& [sa, sb] : shape_pairs()) {
      Tensor a = random_leaf(sa, 5).detach().to(DType::Float32);
      Tensor b = random_leaf(sb, 6, c.b_low, c.b_high).detach().to(DType::Float32);
      a.requires_grad_(true);
      b.requires_grad_(true);
      expect_parity([&](const std::vector<Tensor>& in) { return c.fn(in[0], in[1]); }, {a, b}, 1e-5,
                    c.name + " " + shape_str(sa) + " " + shape_str(sb));
    }
}

TEST_F(ElementwiseGpu, SixteenBitAndIntegerOpsMatchTheCpu) {
  for (DType dtype : {DType::Float16, DType::BFloat16}) {
    const Tensor x = random_leaf({1000}, 7, -2, 2).detach().to(dtype);
    const Tensor y = random_leaf({1000}, 8, 0.5, 2).detach().to(dtype);
    for (const UnaryCase& c : unary_cases())
      expect_parity([&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, {c.low > 0 ? y : x}, 1e-2,
                    c.name);
    for (const BinaryCase& c : binary_cases())
      expect_parity([&](const std::vector<Tensor>& in) { return c.fn(in[0], in[1]); }, {x, y}, 1e-2, c.name);
  }
  const Tensor i = from_vector<int32_t>({1, -2, 3, 40000});
  const Tensor j = from_vector<int64_t>({5, 6, -7, 8});
  expect_parity([](const std::vector<Tensor>& in) { return in[0] * in[1] + in[0]; }, {i, j}, 0,
                "int add/mul");
  expect_parity([](const std::vector<Tensor>& in) { return maximum(in[0], in[1]); }, {i, j}, 0,
                "int maximum");
  expect_parity([](const std::vector<Tensor>& in) { return eq(gt(in[0], in[1]), lt(in[1], in[0])); }, {i, j},
                0, "comparisons");
  expect_parity([](const std::vector<Tensor>& in) { return where(gt(in[0], in[1]), in[0], in[1]); }, {i, j},
                0, "where");
}

TEST_F(ElementwiseGpu, WhereMatchesTheCpu) {
  Tensor a = random_leaf({4, 5}, 9).detach().to(DType::Float32);
  Tensor b = random_leaf({5}, 10).detach().to(DType::Float32);
  a.requires_grad_(true);
  b.requires_grad_(true);
  expect_parity([](const std::vector<Tensor>& in) { return where(gt(in[0], in[1]), in[0], in[1] * 2.0); },
                {a, b}, 1e-6, "where");
}

}  // namespace
}  // namespace minidl
