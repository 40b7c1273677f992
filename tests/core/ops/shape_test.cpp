// cat, split, index_select and pad: values against hand-written expectations,
// float64 gradient checks (non-contiguous inputs included), error messages, and
// CPU/CUDA parity of every op forward and backward.
#include "core/ops/shape.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/stream.h"
#include "support/expect_error.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using test::gradcheck;
using test::random_leaf;

// A non-contiguous leaf over the storage of a view (views are recorded, so detach first).
Tensor leaf_of(const Tensor& view) {
  const Tensor leaf = view.detach();
  leaf.requires_grad_(true);
  return leaf;
}

Tensor iota(const Shape& shape) {
  return arange(static_cast<double>(shape_numel(shape)), {.dtype = DType::Float64}).view(shape);
}
Tensor doubles(const std::vector<double>& v, const Shape& shape) { return from_vector<double>(v, shape); }
Tensor labels(const std::vector<int64_t>& v) {
  return from_vector<int64_t>(v, {static_cast<int64_t>(v.size())});
}
std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }
using Values = std::vector<double>;

using test::expect_error;

// ---- cat ----

TEST(Cat, JoinsAlongAnyDim) {
  const Tensor a = iota({2, 2});  // [[0, 1], [2, 3]]
  const Tensor b = doubles({10, 11}, {2, 1});
  EXPECT_EQ(values(cat({a, b}, 1)), (Values{0, 1, 10, 2, 3, 11}));
  EXPECT_EQ(values(cat({a, b.t()}, 0)), (Values{0, 1, 2, 3, 10, 11}));
  EXPECT_EQ(cat({a, b, a}, -1).shape(), (Shape{2, 5}));
  EXPECT_EQ(values(cat({a.t()}, 0)), (Values{0, 2, 1, 3}));
}

TEST(Cat, Gradcheck) {
  const Tensor a = random_leaf({2, 3}, 1), b = leaf_of(random_leaf({4, 2}, 2).t()),
               c = random_leaf({2, 1}, 3);
  EXPECT_TRUE(gradcheck([](const auto& in) { return cat({in[0], in[1], in[2]}, 1); }, {a, b, c}));
  const Tensor frozen = random_leaf({1, 3}, 4).detach();
  EXPECT_TRUE(gradcheck([&](const auto& in) { return cat({frozen, in[0]}, 0); }, {a}));
}

TEST(Cat, ErrorsNameBothShapes) {
  expect_error<ShapeError>(
      [] {
        cat({zeros({2, 3}), zeros({3, 3})}, 1);
      },
      {"tensor 1", "[3, 3]", "[2, 3]", "dim 1"});
  expect_error<ShapeError>([] { cat({zeros({2, 3}), zeros({2, 3, 1})}, 0); }, {"[2, 3, 1]", "[2, 3]"});
  expect_error<DTypeError>(
      [] {
        cat({zeros({2}), zeros({2}, {.dtype = DType::Float64})}, 0);
      },
      {"float64", "float32"});
  expect_error<ValueError>([] { cat({}, 0); }, "at least one");
}

// ---- split ----

TEST(Split, ViewsOfEqualPiecesAndAShorterLast) {
  const Tensor x = iota({5, 2});
  const std::vector<Tensor> rows = split(x, 2);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(rows[2].shape(), (Shape{1, 2}));
  EXPECT_EQ(values(rows[1]), (Values{4, 5, 6, 7}));
  EXPECT_TRUE(rows[2].storage().is_same(x.storage()));
  const std::vector<Tensor> cols = split(iota({2, 5}), 3, 1);
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(values(cols[1]), (Values{3, 4, 8, 9}));
  EXPECT_EQ(split(x, 7).size(), 1u);
}

TEST(Split, GradientOfOnePieceLandsInItsSlice) {
  const Tensor x = random_leaf({5, 2}, 5);
  const std::vector<Tensor> pieces = split(x, 2);
  EXPECT_EQ(pieces[1].grad_fn_name(), "split");
  pieces[1].backward(doubles({1, 2, 3, 4}, {2, 2}));
  EXPECT_EQ(values(x.grad()), (Values{0, 0, 0, 0, 1, 2, 3, 4, 0, 0}));
}

TEST(Split, Gradcheck) {
  const Tensor x = leaf_of(random_leaf({3, 7}, 6).t());  // (7, 3), non-contiguous
  EXPECT_TRUE(gradcheck(
      [](const auto& in) {
        const std::vector<Tensor> p = split(in[0], 3, 0);
        return cat({p[2], p[0]}, 0);  // the middle piece gets no gradient
      },
      {x}));
}

TEST(Split, RejectsNonPositiveSize) {
  expect_error<ValueError>([] { split(zeros({4}), 0); }, {"split_size", "0", "[4]"});
}

// ---- index_select ----

TEST(IndexSelect, PicksRowsColumnsAndMiddleSlices) {
  const Tensor x = iota({3, 4});
  EXPECT_EQ(values(index_select(x, 0, labels({2, 0, 2}))), (Values{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}));
  EXPECT_EQ(values(index_select(x, 1, labels({3, 1}))), (Values{3, 1, 7, 5, 11, 9}));
  const Tensor m = index_select(iota({2, 3, 2}), 1, labels({1, 1, 0}));
  EXPECT_EQ(m.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(values(m), (Values{2, 3, 2, 3, 0, 1, 8, 9, 8, 9, 6, 7}));
  EXPECT_EQ(values(index_select(x.t(), 0, labels({1}))), (Values{1, 5, 9}));
  const Tensor ints = from_vector<int64_t>({5, 6, 7}, {3});
  EXPECT_EQ(index_select(ints, 0, labels({2, 2})).to_vector<int64_t>(), (std::vector<int64_t>{7, 7}));
}

TEST(IndexSelect, RepeatedIndicesAddTheirGradients) {
  const Tensor x = random_leaf({3}, 7);
  index_select(x, 0, labels({2, 0, 2})).backward(doubles({1, 10, 100}, {3}));
  EXPECT_EQ(values(x.grad()), (Values{10, 0, 101}));
}

TEST(IndexSelect, Gradcheck) {
  const Tensor x = random_leaf({3, 4, 5}, 8);
  for (int64_t dim = 0; dim < 3; ++dim)
    EXPECT_TRUE(gradcheck(
        [&](const auto& in) {
          return index_select(in[0], dim, labels({1, 0, 1, 2}));
        },
        {x}))
        << "dim " << dim;
  const Tensor t = leaf_of(random_leaf({4, 3}, 9).t());
  EXPECT_TRUE(gradcheck([](const auto& in) { return index_select(in[0], 1, labels({3, 3, 0})); }, {t}));
}

TEST(IndexSelect, Errors) {
  const Tensor x = zeros({3, 4});
  expect_error<ValueError>([&] { index_select(x, 0, labels({0, 5})); }, {"index 5", "position 1", "size 3"});
  expect_error<ValueError>([&] { index_select(x, 1, labels({-1})); }, {"index -1", "position 0", "size 4"});
  expect_error<DTypeError>([&] { index_select(x, 0, from_vector<int32_t>({0}, {1})); }, {"int64", "int32"});
  expect_error<ShapeError>([&] { index_select(x, 0, from_vector<int64_t>({0, 1}, {1, 2})); }, "[1, 2]");
}

// ---- pad ----

TEST(Pad, ConstantLastDimsFirst) {
  const Tensor x = doubles({1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(values(pad(x, {1, 2}, PadMode::Constant, 9)), (Values{9, 1, 2, 9, 9, 9, 3, 4, 9, 9}));
  const Tensor tall = pad(x, {0, 0, 1, 0});  // {left, right, top, bottom}
  EXPECT_EQ(tall.shape(), (Shape{3, 2}));
  EXPECT_EQ(values(tall), (Values{0, 0, 1, 2, 3, 4}));
  EXPECT_EQ(values(pad(iota({4}), {-1, 1}, PadMode::Constant, 7)), (Values{1, 2, 3, 7}));  // negative crops
  EXPECT_EQ(pad(from_vector<int64_t>({5}, {1}), {1, 1}, PadMode::Constant, 2).to_vector<int64_t>(),
            (std::vector<int64_t>{2, 5, 2}));
}

TEST(Pad, ReflectMirrorsWithoutRepeatingTheEdge) {
  EXPECT_EQ(values(pad(doubles({1, 2, 3, 4}, {4}), {2, 1}, PadMode::Reflect)), (Values{3, 2, 1, 2, 3, 4, 3}));
  const Tensor x = doubles({1, 2, 3, 4, 5, 6}, {1, 2, 3});
  EXPECT_EQ(values(pad(x, {1, 1, 1, 1}, PadMode::Reflect)),
            (Values{5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5, 2, 1, 2, 3, 2}));
  EXPECT_EQ(values(pad(x.transpose(1, 2), {1, 0}, PadMode::Reflect)), (Values{4, 1, 4, 5, 2, 5, 6, 3, 6}));
}

TEST(Pad, ReflectGradientCountsEveryCopy) {
  const Tensor x = random_leaf({4}, 10);
  pad(x, {2, 1}, PadMode::Reflect)
      .backward(ones({7}, {.dtype = DType::Float64}));  // [x2 x1 | x0 x1 x2 x3 | x2]
  EXPECT_EQ(values(x.grad()), (Values{1, 2, 3, 1}));
}

TEST(Pad, Gradcheck) {
  const Tensor x = random_leaf({2, 3, 4}, 11);
  EXPECT_TRUE(gradcheck(
      [](const auto& in) {
        return pad(in[0], {1, 2, 0, 1}, PadMode::Constant, 0.5);
      },
      {x}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return pad(in[0], {-1, 2, 1, -1}); }, {x}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return pad(in[0], {3, 2, 2, 1}, PadMode::Reflect); }, {x}));
  const Tensor t = leaf_of(random_leaf({4, 3, 2}, 12).permute({2, 1, 0}));  // (2, 3, 4), non-contiguous
  EXPECT_TRUE(gradcheck(
      [](const auto& in) {
        return pad(in[0], {2, 3, 1, 2, 1, 0}, PadMode::Reflect);
      },
      {t}));
}

TEST(Pad, Errors) {
  expect_error<ValueError>([] { pad(zeros({2, 3}), {1, 1, 1}); }, {"3 padding", "[2, 3]"});
  expect_error<ValueError>([] { pad(zeros({2}), {1, 1, 1, 1}); }, {"4 padding", "[2]"});
  expect_error<ValueError>(
      [] {
        pad(zeros({2, 3}), {3, 0}, PadMode::Reflect);
      },
      {"reflect", "(3, 0)", "size 3"});
  expect_error<ShapeError>([] { pad(zeros({2, 3}), {-2, -2}); }, {"(-2, -2)", "[2, 3]"});
}

// ---- CPU/CUDA parity ----

class ShapeGpu : public test::GpuTest {
 protected:
  // Half the distance from 1 to the next representable number (the relative rounding error).
  static double rounding_unit(DType dtype) {
    switch (dtype) {
      case DType::Float16: return 0x1p-11;
      case DType::BFloat16: return 0x1p-8;
      case DType::Float32: return 0x1p-24;
      default: return 0x1p-53;
    }
  }
  // Runs f on CPU inputs and on CUDA copies, backpropagates the same random weights, and compares.
  // Fresh leaves on both sides, so gradients of earlier calls on the same inputs do not add up.
  static void expect_parity(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                            const std::vector<Tensor>& inputs) {
    std::vector<Tensor> cpu, gpu;
    for (const Tensor& t : inputs) {
      cpu.push_back(t.detach());
      gpu.push_back(t.detach().to(Device::cuda()));
      if (t.requires_grad()) cpu.back().requires_grad_(true), gpu.back().requires_grad_(true);
    }
    const Tensor y_cpu = f(cpu), y_gpu = f(gpu);
    ASSERT_EQ(y_gpu.device(), Device::cuda());
    EXPECT_EQ(values(y_gpu), values(y_cpu));  // gathers and copies: exact
    const Tensor w = random_leaf(y_cpu.shape(), 99).detach().to(y_cpu.dtype());
    y_cpu.backward(w);
    y_gpu.backward(w.to(Device::cuda()));
    for (std::size_t k = 0; k < cpu.size(); ++k) {
      if (!cpu[k].requires_grad()) continue;
      // Repeated indices sum their gradients with atomics in an unspecified order on CUDA, so
      // the sums may differ from the CPU's fixed order by a few roundings of the dtype.
      const double tolerance = 4 * rounding_unit(cpu[k].dtype());
      const Values want = values(cpu[k].grad()), got = values(gpu[k].grad());
      ASSERT_EQ(got.size(), want.size());
      for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_NEAR(got[i], want[i], tolerance * std::max(1.0, std::abs(want[i]))) << "input " << k << " " << i;
    }
  }
};

TEST_F(ShapeGpu, CatAndSplit) {
  expect_parity(
      [](const auto& in) {
        return cat({in[0], in[1]}, 1);
      },
      {random_leaf({3, 2}, 1), random_leaf({3, 5}, 2)});
  expect_parity([](const auto& in) { return cat(split(in[0], 2, 1), 1); }, {random_leaf({3, 5}, 3)});
  expect_parity([](const auto& in) { return cat(split(in[0], 2, 0), 0); }, {random_leaf({5, 3}, 3)});
}

TEST_F(ShapeGpu, IndexSelectEveryDimAndDType) {
  for (int64_t dim = 0; dim < 3; ++dim)
    expect_parity(
        [&](const auto& in) {
          return index_select(in[0], dim, labels({1, 0, 1, 1}).to(in[0].device()));
        },
        {random_leaf({2, 3, 4}, 4)});
  for (const DType dtype : {DType::Float32, DType::Float16, DType::BFloat16}) {
    const Tensor x = leaf_of(random_leaf({6, 3}, 5).detach().to(dtype).t());
    expect_parity(
        [](const auto& in) {
          return index_select(in[0], 1, labels({5, 5, 2, 5}).to(in[0].device()));
        },
        {x});
  }
}

TEST_F(ShapeGpu, PadConstantAndReflect) {
  const Tensor x = leaf_of(random_leaf({4, 3, 2}, 6).permute({2, 1, 0}));
  expect_parity([](const auto& in) { return pad(in[0], {1, 2, 0, 1}, PadMode::Constant, -1); }, {x});
  expect_parity([](const auto& in) { return pad(in[0], {-1, 1}); }, {x});
  expect_parity([](const auto& in) { return pad(in[0], {3, 2, 2, 1, 1, 0}, PadMode::Reflect); }, {x});
  const Tensor f = random_leaf({2, 3, 8, 8}, 7).detach().to(DType::Float32).requires_grad_(true);
  expect_parity([](const auto& in) { return pad(in[0], {4, 4, 4, 4}, PadMode::Reflect); }, {f});
}

TEST_F(ShapeGpu, OutOfRangeIndexIsReportedAtTheNextSync) {
  const Tensor x = zeros({3, 4}, {.device = Device::cuda()});
  Tensor y;
  ASSERT_NO_THROW(y = index_select(x, 0, labels({0, 9}).to(Device::cuda())));
  expect_error<ValueError>([&] { (void)y.to_vector<float>(); },
                           {"index 9", "position 1", "size 3", "cuda:0"});
  EXPECT_NO_THROW(Stream::current(Device::cuda()).synchronize());  // reported once, then reset
}

}  // namespace
}  // namespace minidl
