// matmul() and linear(): values against a triple-loop reference (2-d, batched with
// broadcast batch dims, 1-d operands, transposed and sliced operands, float16 on the CPU),
// float64 finite-difference gradients for every shape rule and for linear with and without
// bias, errors naming both shapes; LinalgGpu: cuBLAS forward and backward against the CPU.
#include "core/ops/linalg.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using test::gradcheck;
using test::random_leaf;

Tensor random_values(const Shape& shape, unsigned seed, DType dtype = DType::Float64) {
  return random_leaf(shape, seed).detach().to(dtype);
}

// C = A @ B by the definition, for 2-d views of any strides.
std::vector<double> reference_mm(const Tensor& a, const Tensor& b) {
  const std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  std::vector<double> c(static_cast<std::size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) c[i * n + j] += av[i * k + p] * bv[p * n + j];
  return c;
}

void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tol,
                  const std::string& what = "") {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol * (1 + std::abs(want[i]))) << what << " element " << i;
}

void expect_close(const Tensor& got, const Tensor& want, double tol, const std::string& what = "") {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  expect_close(got.to_vector<double>(), want.to_vector<double>(), tol, what);
}

TEST(Matmul, TwoDMatchesReference) {
  for (const DType dtype : {DType::Float64, DType::Float32}) {
    const Tensor a = random_values({5, 7}, 1, dtype), b = random_values({7, 3}, 2, dtype);
    const Tensor c = matmul(a, b);
    EXPECT_EQ(c.shape(), Shape({5, 3}));
    EXPECT_EQ(c.dtype(), dtype);
    expect_close(c.to_vector<double>(), reference_mm(a, b), dtype == DType::Float64 ? 1e-12 : 1e-5);
  }
}

TEST(Matmul, HandComputedValues) {
  const Tensor a = from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor b = from_vector<float>({7, 8, 9, 10, 11, 12}, {3, 2});
  EXPECT_EQ(matmul(a, b).to_vector<float>(), std::vector<float>({58, 64, 139, 154}));
}

TEST(Matmul, TransposedAndSlicedOperandsAreReadCorrectly) {
  const Tensor base_a = random_values({7, 5}, 3), base_b = random_values({6, 14}, 4);
  const Tensor a = base_a.t();                     // column-major 5 x 7
  const Tensor b = base_b.slice(1, 0, 14, 2).t();  // 7 x 6 with a column stride of 2: needs a copy
  expect_close(matmul(a, b).to_vector<double>(), reference_mm(a, b), 1e-12);
  const Tensor wide = random_values({5, 10}, 5);
  const Tensor a2 = wide.slice(1, 2, 9);  // 5 x 7, row stride 10
  expect_close(matmul(a2, base_a).to_vector<double>(), reference_mm(a2, base_a), 1e-12);
}

TEST(Matmul, OneDOperands) {
  const Tensor v = random_values({4}, 6), w = random_values({4}, 7), m = random_values({3, 4}, 8);
  const Tensor dot = matmul(v, w);
  EXPECT_EQ(dot.dim(), 0);
  double want = 0;
  for (int i = 0; i < 4; ++i) want += v.to_vector<double>()[i] * w.to_vector<double>()[i];
  EXPECT_NEAR(dot.item(), want, 1e-12);
  const Tensor mv = matmul(m, v);
  EXPECT_EQ(mv.shape(), Shape({3}));
  expect_close(mv.to_vector<double>(), reference_mm(m, v.unsqueeze(1)), 1e-12);
  const Tensor vm = matmul(w, m.t());
  EXPECT_EQ(vm.shape(), Shape({3}));
  expect_close(vm.to_vector<double>(), reference_mm(w.unsqueeze(0), m.t()), 1e-12);
  const Tensor batched_mv = matmul(random_values({2, 3, 4}, 9), v);
  EXPECT_EQ(batched_mv.shape(), Shape({2, 3}));
}

TEST(Matmul, BroadcastBatchDims) {
  const Tensor a = random_values({2, 1, 3, 4}, 10), b = random_values({5, 4, 2}, 11);
  const Tensor c = matmul(a, b);
  ASSERT_EQ(c.shape(), Shape({2, 5, 3, 2}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j)
      expect_close(c.select(0, i).select(0, j).to_vector<double>(),
                   reference_mm(a.select(0, i).select(0, 0), b.select(0, j)), 1e-12);
}

TEST(Matmul, BatchedTimesSharedMatrixAndBack) {
  const Tensor x = random_values({3, 4, 5}, 12), w = random_values({5, 6}, 13);
  const Tensor y = matmul(x, w);  // folded into one tall GEMM
  for (int64_t i = 0; i < 3; ++i)
    expect_close(y.select(0, i).to_vector<double>(), reference_mm(x.select(0, i), w), 1e-12);
  const Tensor z = matmul(w.t(), x.transpose(1, 2));  // [6, 5] @ [3, 5, 4]: shared left operand
  for (int64_t i = 0; i < 3; ++i)
    expect_close(z.select(0, i).to_vector<double>(), reference_mm(w.t(), x.select(0, i).t()), 1e-12);
}

// Products large enough to be split into row blocks (m >= n) or column blocks (n > m) of C,
// one GEMM per thread, with each operand transposed or not.
TEST(Matmul, LargeProductsSplitAcrossThreadsMatchReference) {
  for (const auto& [m, k, n] : std::vector<std::array<int64_t, 3>>{{203, 151, 97}, {61, 130, 259}}) {
    for (const bool ta : {false, true})
      for (const bool tb : {false, true}) {
        const Tensor a = ta ? random_values({k, m}, 15).t() : random_values({m, k}, 15);
        const Tensor b = tb ? random_values({n, k}, 16).t() : random_values({k, n}, 16);
        expect_close(matmul(a, b).to_vector<double>(), reference_mm(a, b), 1e-12,
                     "m " + std::to_string(m) + (ta ? " A^T" : "") + (tb ? " B^T" : ""));
      }
  }
}

TEST(Matmul, EmptyInnerDimGivesZeros) {
  const Tensor c = matmul(zeros({3, 0}), zeros({0, 2}));
  EXPECT_EQ(c.to_vector<float>(), std::vector<float>(6, 0.0f));
}

TEST(Matmul, Float16OnCpuRoundsTheFloat32Product) {
  const Tensor a = random_values({4, 6}, 14, DType::Float16), b = random_values({6, 3}, 15, DType::Float16);
  const Tensor c = matmul(a, b);
  EXPECT_EQ(c.dtype(), DType::Float16);
  const Tensor want = matmul(a.to(DType::Float32), b.to(DType::Float32)).to(DType::Float16);
  EXPECT_EQ(c.to_vector<float>(), want.to_vector<float>());
}

TEST(Matmul, ErrorsNameShapesAndDtypes) {
  try {
    matmul(zeros({2, 3}), zeros({4, 5}));
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[4, 5]"), std::string::npos) << msg;
  }
  EXPECT_THROW(matmul(zeros({2, 2, 3}), zeros({3, 3, 4})), ShapeError);
  try {
    matmul(zeros({2, 3}), zeros({3, 4}, {.dtype = DType::Float64}));
    FAIL() << "expected DTypeError";
  } catch (const DTypeError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("float32"), std::string::npos) << msg;
    EXPECT_NE(msg.find("float64"), std::string::npos) << msg;
  }
  EXPECT_THROW(matmul(zeros({2, 3}, {.dtype = DType::Int64}), zeros({3, 4}, {.dtype = DType::Int64})),
               DTypeError);
}

TEST(MatmulGrad, TwoD) {
  EXPECT_TRUE(gradcheck([](const auto& in) { return matmul(in[0], in[1]); },
                        {random_leaf({3, 4}, 20), random_leaf({4, 5}, 21)}));
}

TEST(MatmulGrad, Batched) {
  EXPECT_TRUE(gradcheck([](const auto& in) { return matmul(in[0], in[1]); },
                        {random_leaf({2, 3, 4}, 22), random_leaf({2, 4, 2}, 23)}));
}

TEST(MatmulGrad, BroadcastBatch) {
  EXPECT_TRUE(gradcheck([](const auto& in) { return matmul(in[0], in[1]); },
                        {random_leaf({2, 1, 3, 4}, 24), random_leaf({3, 4, 2}, 25)}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return matmul(in[0], in[1]); },
                        {random_leaf({3, 4}, 26), random_leaf({2, 4, 5}, 27)}));  // shared left
  EXPECT_TRUE(gradcheck([](const auto& in) { return matmul(in[0], in[1]); },
                        {random_leaf({2, 3, 4}, 28), random_leaf({4, 5}, 29)}));  // shared right
}

TEST(MatmulGrad, OneD) {
  auto f = [](const auto& in) { return matmul(in[0], in[1]); };
  EXPECT_TRUE(gradcheck(f, {random_leaf({4}, 30), random_leaf({4}, 31)}));
  EXPECT_TRUE(gradcheck(f, {random_leaf({3, 4}, 32), random_leaf({4}, 33)}));
  EXPECT_TRUE(gradcheck(f, {random_leaf({4}, 34), random_leaf({4, 2}, 35)}));
  EXPECT_TRUE(gradcheck(f, {random_leaf({2, 3, 4}, 36), random_leaf({4}, 37)}));
  EXPECT_TRUE(gradcheck(f, {random_leaf({4}, 38), random_leaf({2, 4, 3}, 39)}));
}

TEST(MatmulGrad, NonContiguousLeaves) {
  Tensor a = random_leaf({4, 3}, 40).detach().t();                  // 3 x 4, column-major
  Tensor b = random_leaf({4, 10}, 41).detach().slice(1, 0, 10, 2);  // 4 x 5, column stride 2
  a.requires_grad_(true);
  b.requires_grad_(true);
  EXPECT_TRUE(gradcheck([](const auto& in) { return matmul(in[0], in[1]); }, {a, b}));
}

TEST(MatmulGrad, OnlyTheOperandThatNeedsIt) {
  const Tensor a = random_leaf({3, 4}, 42);
  const Tensor b = random_values({4, 2}, 43);
  matmul(a, b).backward(ones({3, 2}, {.dtype = DType::Float64}));
  ASSERT_TRUE(a.grad().defined());
  // d(sum C)/dA[i, p] = sum_j B[p, j]
  const std::vector<double> bv = b.to_vector<double>(), ga = a.grad().to_vector<double>();
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t p = 0; p < 4; ++p) EXPECT_NEAR(ga[i * 4 + p], bv[p * 2] + bv[p * 2 + 1], 1e-12);
  EXPECT_FALSE(b.grad().defined());
}

TEST(Linear, MatchesReferenceWithAndWithoutBias) {
  const Tensor x = random_values({2, 3, 5}, 50), w = random_values({4, 5}, 51), b = random_values({4}, 52);
  const Tensor y = linear(x, w, b), y0 = linear(x, w);
  ASSERT_EQ(y.shape(), Shape({2, 3, 4}));
  const std::vector<double> bv = b.to_vector<double>();
  for (int64_t i = 0; i < 2; ++i) {
    std::vector<double> want = reference_mm(x.select(0, i), w.t());
    expect_close(y0.select(0, i).to_vector<double>(), want, 1e-12);
    for (std::size_t j = 0; j < want.size(); ++j) want[j] += bv[j % 4];
    expect_close(y.select(0, i).to_vector<double>(), want, 1e-12);
  }
  const Tensor v = linear(random_values({5}, 53), w, b);  // one unbatched sample
  EXPECT_EQ(v.shape(), Shape({4}));
}

TEST(Linear, ErrorsNameTheShapes) {
  try {
    linear(zeros({2, 3}), zeros({4, 5}));
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[4, 5]"), std::string::npos) << msg;
  }
  EXPECT_THROW(linear(zeros({2, 5}), zeros({4, 5}), zeros({3})), ShapeError);
  EXPECT_THROW(linear(zeros({2, 5}), zeros({4, 5}, {.dtype = DType::Float64})), DTypeError);
}

TEST(LinearGrad, WithBias) {
  EXPECT_TRUE(gradcheck([](const auto& in) { return linear(in[0], in[1], in[2]); },
                        {random_leaf({3, 5}, 60), random_leaf({4, 5}, 61), random_leaf({4}, 62)}));
}

TEST(LinearGrad, WithoutBiasAndBatchDims) {
  EXPECT_TRUE(gradcheck([](const auto& in) { return linear(in[0], in[1]); },
                        {random_leaf({2, 3, 5}, 63), random_leaf({4, 5}, 64)}));
}

TEST(LinearGrad, NonContiguousInputAndFrozenWeight) {
  Tensor x = random_leaf({5, 3}, 65).detach().t();  // 3 x 5, column-major
  x.requires_grad_(true);
  const Tensor w = random_values({4, 5}, 66);  // no gradient wanted
  EXPECT_TRUE(
      gradcheck([](const auto& in) { return linear(in[0], in[1], in[2]); }, {x, w, random_leaf({4}, 67)}));
  EXPECT_FALSE(w.grad().defined());
}

// ---- CUDA against the CPU ----

class LinalgGpu : public test::GpuTest {};

Tensor on_gpu_leaf(const Tensor& cpu) {
  Tensor t = cpu.detach().to(Device::cuda());
  t.requires_grad_(true);
  return t;
}

TEST_F(LinalgGpu, MatmulForwardAndBackwardMatchCpu) {
  const std::vector<std::pair<Shape, Shape>> cases = {{{5, 7}, {7, 3}},    {{2, 1, 3, 4}, {5, 4, 2}},
                                                      {{3, 4, 5}, {5, 6}}, {{4}, {4, 3}},
                                                      {{3, 4}, {4}},       {{6}, {6}}};
  for (const DType dtype : {DType::Float64, DType::Float32}) {
    const double tol = dtype == DType::Float64 ? 1e-12 : 1e-5;
    for (const auto& [sa, sb] : cases) {
      const Tensor a = random_values(sa, 70, dtype), b = random_values(sb, 71, dtype);
      a.requires_grad_(true);
      b.requires_grad_(true);
      const Tensor ga = on_gpu_leaf(a), gb = on_gpu_leaf(b);
      const Tensor c = matmul(a, b), gc = matmul(ga, gb);
      expect_close(gc.to(Device::cpu()), c, tol, "forward " + shape_str(sa) + " @ " + shape_str(sb));
      const Tensor up = random_values(c.shape(), 72, dtype);
      c.backward(up);
      gc.backward(up.to(Device::cuda()));
      expect_close(ga.grad().to(Device::cpu()), a.grad(), tol, "grad a " + shape_str(sa));
      expect_close(gb.grad().to(Device::cpu()), b.grad(), tol, "grad b " + shape_str(sb));
    }
  }
}

TEST_F(LinalgGpu, TransposedOperandsAndHalfPrecision) {
  const Tensor a = random_values({7, 5}, 73, DType::Float32).t(),
               b = random_values({7, 6}, 74, DType::Float32);
  expect_close(matmul(a.to(Device::cuda()).t().t(), b.to(Device::cuda())).to(Device::cpu()), matmul(a, b),
               1e-5);
  for (const DType dtype : {DType::Float16, DType::BFloat16}) {
    const Tensor h = random_values({16, 32}, 75, dtype), k = random_values({32, 8}, 76, dtype);
    const Tensor want = matmul(h.to(DType::Float32), k.to(DType::Float32));
    expect_close(matmul(h.to(Device::cuda()), k.to(Device::cuda())).to(Device::cpu()).to(DType::Float32),
                 want, dtype == DType::Float16 ? 2e-3 : 2e-2);
  }
}

// allow_tf32_matmul() (off by default, as in PyTorch) lets float32 products use TF32 tensor
// cores: within TF32's error of the float64 product when on, within float32's when off.
TEST_F(LinalgGpu, Tf32SwitchSelectsTheArithmetic) {
  const Tensor a = random_values({256, 512}, 81, DType::Float32), b = random_values({512, 128}, 82, DType::Float32);
  const Tensor want = matmul(a.to(DType::Float64), b.to(DType::Float64)).to(DType::Float32);
  for (const bool tf32 : {true, false}) {
    const Tf32Scope scope(false, tf32);
    expect_close(matmul(a.to(Device::cuda()), b.to(Device::cuda())).to(Device::cpu()), want, tf32 ? 2e-2 : 1e-4,
                 tf32 ? "TF32 allowed" : "TF32 off");
  }
}

TEST_F(LinalgGpu, LinearMatchesCpu) {
  const Tensor x = random_values({4, 3, 5}, 77, DType::Float32),
               w = random_values({6, 5}, 78, DType::Float32);
  const Tensor b = random_values({6}, 79, DType::Float32);
  for (const Tensor& t : {x, w, b}) t.requires_grad_(true);
  const Tensor gx = on_gpu_leaf(x), gw = on_gpu_leaf(w), gbias = on_gpu_leaf(b);
  const Tensor y = linear(x, w, b), gy = linear(gx, gw, gbias);
  expect_close(gy.to(Device::cpu()), y, 1e-5, "forward");
  const Tensor up = random_values(y.shape(), 80, DType::Float32);
  y.backward(up);
  gy.backward(up.to(Device::cuda()));
  expect_close(gx.grad().to(Device::cpu()), x.grad(), 1e-5, "grad x");
  expect_close(gw.grad().to(Device::cpu()), w.grad(), 1e-5, "grad w");
  expect_close(gbias.grad().to(Device::cpu()), b.grad(), 1e-5, "grad b");
}

}  // namespace
}  // namespace minidl
