// softmax, log_softmax, cross_entropy, mse_loss and accuracy: hand-computed values,
// the label-smoothing formula, float64 gradient checks (non-contiguous inputs and a
// middle dim included), logits of 1e4 against the shifted float64 reference, PyTorch
// golden values (golden/make_loss_golden.py), error messages, and CPU/CUDA parity.
#include "core/ops/loss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/ops/elementwise.h"
#include "core/stream.h"
#include "kernels/cuda/error_flag.h"
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

Tensor doubles(const std::vector<double>& values, const Shape& shape) {
  return from_vector<double>(values, shape);
}
Tensor labels(const std::vector<int64_t>& values, const Shape& shape) {
  return from_vector<int64_t>(values, shape);
}

void expect_near(const std::vector<double>& got, const std::vector<double>& want, double tol,
                 const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << what << " element " << i;
}

using test::expect_error;

// ---- softmax / log_softmax ----

TEST(Softmax, KnownValues) {
  const Tensor x = doubles({1, 2, 3}, {3});
  const double total = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  expect_near(softmax(x, 0).to_vector<double>(),
              {std::exp(1.0) / total, std::exp(2.0) / total, std::exp(3.0) / total}, 1e-15, "softmax");
  expect_near(log_softmax(x, -1).to_vector<double>(),
              {1 - std::log(total), 2 - std::log(total), 3 - std::log(total)}, 1e-15, "log_softmax");
}

// Nested-loop reference of softmax along dim of a contiguous (a, b, c) tensor.
std::vector<double> reference_softmax(const std::vector<double>& x, const Shape& shape, int64_t dim) {
  std::vector<double> out(x.size());
  const int64_t a = shape[0], b = shape[1], c = shape[2];
  const auto at = [&](int64_t i, int64_t j, int64_t k) {
    return static_cast<std::size_t>((i * b + j) * c + k);
  };
  const int64_t n = shape[static_cast<std::size_t>(dim)];
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j)
      for (int64_t k = 0; k < c; ++k) {
        double total = 0;
        for (int64_t m = 0; m < n; ++m)
          total += std::exp(x[dim == 0 ? at(m, j, k) : dim == 1 ? at(i, m, k) : at(i, j, m)]);
        out[at(i, j, k)] = std::exp(x[at(i, j, k)]) / total;
      }
  return out;
}

TEST(Softmax, EveryDimMatchesTheNestedLoops) {
  const Shape shape = {2, 3, 4};
  const Tensor x = random_leaf(shape, 7, -3, 3).detach();
  const std::vector<double> values = x.to_vector<double>();
  for (int64_t dim = 0; dim < 3; ++dim)
    expect_near(softmax(x, dim).to_vector<double>(), reference_softmax(values, shape, dim), 1e-15, "softmax");
}

TEST(Softmax, NonContiguousInput) {
  const Tensor base = random_leaf({4, 3}, 8).detach();
  const Tensor x = base.t();  // (3, 4), strides (1, 3)
  ASSERT_FALSE(x.is_contiguous());
  expect_near(softmax(x, 1).to_vector<double>(), softmax(x.contiguous(), 1).to_vector<double>(), 0,
              "transposed");
}

TEST(Softmax, Float32LogitsOfTenThousand) {
  const Tensor x = from_vector<float>({1e4f, 1e4f - 1, 1e4f - 3, 1e4f + 0.5f}, {1, 4});
  const Tensor shifted = from_vector<double>({0, -1, -3, 0.5}, {1, 4});
  expect_near(softmax(x, 1).to_vector<double>(), softmax(shifted, 1).to_vector<double>(), 1e-7, "softmax");
  expect_near(log_softmax(x, 1).to_vector<double>(), log_softmax(shifted, 1).to_vector<double>(), 1e-6,
              "log");
}

TEST(Softmax, Gradcheck) {
  for (int64_t dim : {0, 1, 2, -1}) {
    for (bool log : {false, true}) {
      const Tensor x = random_leaf({2, 3, 4}, 11, -2, 2);
      EXPECT_TRUE(
          gradcheck([&](const auto& in) { return log ? log_softmax(in[0], dim) : softmax(in[0], dim); }, {x}))
          << "dim " << dim << (log ? " log_softmax" : " softmax");
    }
  }
}

TEST(Softmax, GradcheckNonContiguousMiddleDim) {
  const Tensor x = leaf_of(random_leaf({4, 3, 5}, 12).permute({2, 1, 0}));  // (5, 3, 4), no unit stride
  ASSERT_FALSE(x.is_contiguous());
  EXPECT_TRUE(gradcheck([](const auto& in) { return softmax(in[0], 1); }, {x}));
  EXPECT_TRUE(gradcheck([](const auto& in) { return log_softmax(in[0], 1); }, {x}));
}

TEST(Softmax, Errors) {
  expect_error<ValueError>([] { softmax(zeros({2, 3}), 2); }, {"softmax", "2"});
  expect_error<DTypeError>([] { softmax(zeros({2, 3}, {.dtype = DType::Int64}), 1); }, {"softmax", "int64"});
}

// ---- cross_entropy ----

TEST(CrossEntropy, HandComputedValue) {
  // Row 0: logits (1, 2, 3), target 2; row 1: logits (0, 0, 0), target 0.
  const Tensor logits = doubles({1, 2, 3, 0, 0, 0}, {2, 3});
  const Tensor targets = labels({2, 0}, {2});
  const double row0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3;
  const double row1 = std::log(3.0);
  EXPECT_NEAR(cross_entropy(logits, targets).item(), (row0 + row1) / 2, 1e-15);
  EXPECT_NEAR(cross_entropy(logits, targets, {.reduction = Reduction::Sum}).item(), row0 + row1, 1e-15);
  const Tensor none = cross_entropy(logits, targets, {.reduction = Reduction::None});
  EXPECT_EQ(none.shape(), (Shape{2}));
  expect_near(none.to_vector<double>(), {row0, row1}, 1e-15, "none");
}

TEST(CrossEntropy, LabelSmoothingFollowsTheFormula) {
  const Tensor logits = doubles({0.5, -1, 2, 0.25}, {1, 4});
  const double eps = 0.1;
  const double lse = std::log(std::exp(0.5) + std::exp(-1.0) + std::exp(2.0) + std::exp(0.25));
  const double mean_nll = ((lse - 0.5) + (lse + 1) + (lse - 2) + (lse - 0.25)) / 4;
  const double want = (1 - eps) * (lse - (-1)) + eps * mean_nll;  // target 1
  EXPECT_NEAR(cross_entropy(logits, labels({1}, {1}), {.label_smoothing = eps}).item(), want, 1e-15);
}

TEST(CrossEntropy, OneDimensionalLogitsAndSpatialTargets) {
  const Tensor row = doubles({1, 2, 3}, {3});
  const Tensor as_matrix = row.view({1, 3});
  EXPECT_NEAR(cross_entropy(row, labels({1}, {})).item(), cross_entropy(as_matrix, labels({1}, {1})).item(),
              0);
  EXPECT_EQ(cross_entropy(row, labels({1}, {}), {.reduction = Reduction::None}).shape(), Shape{});
  // (N, C, d) equals the (N*d, C) rows with the class dim moved last.
  const Tensor x = random_leaf({2, 4, 3}, 21).detach();
  const Tensor t = labels({0, 3, 1, 2, 2, 0}, {2, 3});
  const Tensor none = cross_entropy(x, t, {.reduction = Reduction::None});
  EXPECT_EQ(none.shape(), (Shape{2, 3}));
  const Tensor rows = x.permute({0, 2, 1}).contiguous().view({6, 4});
  expect_near(none.to_vector<double>(),
              cross_entropy(rows, t.view({6}), {.reduction = Reduction::None}).to_vector<double>(), 0,
              "spatial");
}

TEST(CrossEntropy, Gradcheck) {
  const Tensor t = labels({2, 0, 4, 1, 3, 3}, {6});
  for (const Reduction reduction : {Reduction::Mean, Reduction::Sum, Reduction::None})
    for (const double eps : {0.0, 0.1}) {
      const Tensor x = random_leaf({6, 5}, 31, -3, 3);
      EXPECT_TRUE(gradcheck(
          [&](const auto& in) {
            return cross_entropy(in[0], t, {.label_smoothing = eps, .reduction = reduction});
          },
          {x}))
          << "reduction " << static_cast<int>(reduction) << " smoothing " << eps;
    }
}

TEST(CrossEntropy, GradcheckSpatialAndNonContiguous) {
  const Tensor spatial = random_leaf({2, 4, 3}, 32, -2, 2);
  const Tensor ts = labels({0, 3, 1, 2, 2, 0}, {2, 3});
  EXPECT_TRUE(gradcheck([&](const auto& in) { return cross_entropy(in[0], ts, {.label_smoothing = 0.2}); },
                        {spatial}));
  const Tensor transposed = leaf_of(random_leaf({5, 4}, 33, -2, 2).t());  // (4, 5) logits, strides (1, 4)
  const Tensor t = labels({4, 0, 2, 2}, {4});
  EXPECT_TRUE(gradcheck(
      [&](const auto& in) { return cross_entropy(in[0], t, {.reduction = Reduction::None}); }, {transposed}));
  const Tensor one = random_leaf({5}, 34);
  EXPECT_TRUE(gradcheck(
      [](const auto& in) { return cross_entropy(in[0], labels({3}, {}), {.label_smoothing = 0.1}); }, {one}));
}

// Cross-entropy is unchanged when a row is shifted, so logits of 1e4 + small must give exactly
// the loss and gradient of the small offsets, computed in float64.
TEST(CrossEntropy, LogitsOfTenThousandMatchTheShiftedReference) {
  const std::vector<double> offsets = {0.5, -1.25, 2.0, 0.0, -0.75, 1.5};
  const Tensor t = labels({1, 2}, {2});
  const Tensor reference = doubles(offsets, {2, 3}).requires_grad_(true);
  const Tensor ref_loss = cross_entropy(reference, t, {.label_smoothing = 0.1});
  ref_loss.backward();
  for (const DType dtype : {DType::Float64, DType::Float32}) {
    std::vector<double> big;
    for (double o : offsets) big.push_back(1e4 + o);  // exact in float32 too
    const Tensor x = doubles(big, {2, 3}).to(dtype).requires_grad_(true);
    const Tensor loss = cross_entropy(x, t, {.label_smoothing = 0.1});
    loss.backward();
    const double tol = dtype == DType::Float64 ? 1e-15 : 1e-6;
    ASSERT_TRUE(std::isfinite(loss.item()));
    EXPECT_NEAR(loss.item(), ref_loss.item(), tol * 4) << dtype;
    expect_near(x.grad().to_vector<double>(), reference.grad().to_vector<double>(), tol, "gradient");
  }
}

TEST(CrossEntropy, HalfPrecisionAccumulatesInFloat) {
  const Tensor x = random_leaf({4, 7}, 35, -4, 4).detach();
  const Tensor t = labels({6, 0, 3, 3}, {4});
  for (const DType dtype : {DType::Float16, DType::BFloat16}) {
    const Tensor narrow = x.to(dtype);
    const double want = cross_entropy(narrow.to(DType::Float64), t, {.label_smoothing = 0.1}).item();
    // Only the final rounding of the loss to 16 bits: half an ulp, 2^-11 or 2^-8 relative.
    const double tol = dtype == DType::Float16 ? 0x1p-11 : 0x1p-8;
    EXPECT_NEAR(cross_entropy(narrow, t, {.label_smoothing = 0.1}).item(), want, tol * want) << dtype;
  }
}

struct GoldenCase {
  std::string name, reduction;
  double smoothing = 0;
  std::map<std::string, std::vector<double>> fields;
};

std::filesystem::path golden_path() {
  const char* root = std::getenv("MINIDL_SOURCE_DIR");  // set by ctest
  const std::filesystem::path source =
      root ? std::filesystem::path(root) / "tests/core/ops" : std::filesystem::path(__FILE__).parent_path();
  return source / "golden/loss_golden.txt";
}

std::vector<GoldenCase> read_golden() {
  std::ifstream in(golden_path());
  EXPECT_TRUE(in.good()) << "cannot read " << golden_path();
  std::vector<GoldenCase> cases;
  std::string word;
  while (in >> word) {
    if (word == "#") {
      std::getline(in, word);
    } else if (word == "case") {
      cases.emplace_back();
      in >> cases.back().name >> cases.back().reduction >> cases.back().smoothing;
    } else if (word != "end") {
      std::size_t count = 0;
      in >> count;
      std::vector<double>& values = cases.back().fields[word];
      values.resize(count);
      for (double& v : values) in >> v;
    }
  }
  return cases;
}

Shape to_shape(const std::vector<double>& values) { return Shape(values.begin(), values.end()); }

TEST(CrossEntropy, MatchesPyTorchGoldenValues) {
  const std::vector<GoldenCase> cases = read_golden();
  ASSERT_EQ(cases.size(), 6u);
  for (const GoldenCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::map<std::string, Reduction> reductions = {
        {"mean", Reduction::Mean}, {"sum", Reduction::Sum}, {"none", Reduction::None}};
    const Tensor x = doubles(c.fields.at("logits"), to_shape(c.fields.at("shape"))).requires_grad_(true);
    const std::vector<double>& tv = c.fields.at("targets");
    const Tensor t =
        labels(std::vector<int64_t>(tv.begin(), tv.end()), to_shape(c.fields.at("targets_shape")));
    const Tensor loss =
        cross_entropy(x, t, {.label_smoothing = c.smoothing, .reduction = reductions.at(c.reduction)});
    expect_near(loss.to_vector<double>(), c.fields.at("loss"), 1e-12, "loss");
    loss.backward(ones_like(loss));  // PyTorch's grad is of the loss, or of the sum of per-sample losses
    expect_near(x.grad().to_vector<double>(), c.fields.at("grad"), 1e-14, "gradient");
  }
}

TEST(CrossEntropy, EmptyBatch) {
  const Tensor x = zeros({0, 3}, {.dtype = DType::Float64});
  const Tensor t = zeros({0}, {.dtype = DType::Int64});
  EXPECT_TRUE(std::isnan(cross_entropy(x, t).item()));
  EXPECT_EQ(cross_entropy(x, t, {.reduction = Reduction::Sum}).item(), 0.0);
}

TEST(CrossEntropy, BadTargetNamesValueRowAndClassCount) {
  const Tensor x = zeros({3, 5});
  expect_error<ValueError>(
      [&] {
        cross_entropy(x, labels({0, 4, 7}, {3}));
      },
      {"target 7", "row 2", "5 classes"});
  expect_error<ValueError>(
      [&] {
        cross_entropy(x, labels({-1, 0, 0}, {3}));
      },
      {"target -1", "row 0", "5 classes"});
  // The CUDA flag words the error the same way.
  const std::string cuda_text = kernels::cuda::device_error_message(
      {static_cast<int32_t>(kernels::cuda::DeviceErrorCode::TargetOutOfRange), 2, 7, 5}, 0);
  expect_error<ValueError>(
      [&] {
        cross_entropy(x, labels({0, 4, 7}, {3}));
      },
      {cuda_text.substr(0, cuda_text.find(" (reported"))});
}

TEST(CrossEntropy, ShapeAndTypeErrorsNameBoth) {
  const Tensor x = zeros({3, 5});
  expect_error<ShapeError>([&] { cross_entropy(x, labels({0, 1}, {2})); }, {"[2]", "[3, 5]"});
  expect_error<ShapeError>(
      [&] {
        cross_entropy(zeros({2, 5, 4}), labels({0, 1}, {2}));
      },
      {"[2]", "[2, 5, 4]", "[2, 4]"});
  expect_error<DTypeError>([&] { cross_entropy(x, zeros({3})); }, {"int64", "float32"});
  expect_error<ValueError>(
      [&] {
        cross_entropy(x, labels({0, 1, 2}, {3}), {.label_smoothing = 1.5});
      },
      {"label_smoothing", "1.5"});
}

// ---- mse_loss ----

TEST(MseLoss, KnownValuesAndReductions) {
  const Tensor a = doubles({1, 2, 3, 4}, {2, 2});
  const Tensor b = doubles({0, 4, 3, 1}, {2, 2});
  EXPECT_NEAR(mse_loss(a, b).item(), (1 + 4 + 0 + 9) / 4.0, 1e-15);
  EXPECT_NEAR(mse_loss(a, b, Reduction::Sum).item(), 14.0, 1e-15);
  expect_near(mse_loss(a, b, Reduction::None).to_vector<double>(), {1, 4, 0, 9}, 0, "none");
}

TEST(MseLoss, GradcheckBothInputs) {
  for (const Reduction reduction : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Tensor a = random_leaf({3, 4}, 41), b = leaf_of(random_leaf({4, 3}, 42).t());
    EXPECT_TRUE(gradcheck([&](const auto& in) { return mse_loss(in[0], in[1], reduction); }, {a, b}));
  }
}

TEST(MseLoss, ShapeMismatchNamesBoth) {
  expect_error<ShapeError>([] { mse_loss(zeros({2, 3}), zeros({3, 2})); }, {"[2, 3]", "[3, 2]"});
}

// ---- accuracy ----

TEST(Accuracy, FractionOfRowsWhoseArgmaxIsTheTarget) {
  const Tensor logits = doubles({0.1, 0.9, 0.0,  //
                                 2.0, 1.0, 0.5,  //
                                 0.3, 0.2, 0.8,  //
                                 1.0, 1.0, 0.0},
                                {4, 3});  // argmax: 1, 0, 2, 0 (first of a tie)
  EXPECT_DOUBLE_EQ(accuracy(logits, labels({1, 0, 2, 0}, {4})), 1.0);
  EXPECT_DOUBLE_EQ(accuracy(logits, labels({1, 1, 2, 1}, {4})), 0.5);
  EXPECT_DOUBLE_EQ(accuracy(logits, labels({0, 1, 0, 2}, {4})), 0.0);
  // (N, C, d): the class dim is 1.
  const Tensor spatial = logits.view({1, 4, 3});                              // class scores down dim 1
  EXPECT_DOUBLE_EQ(accuracy(spatial, labels({1, 2, 2}, {1, 3})), 2.0 / 3.0);  // argmax (1, 1, 2)
}

TEST(NumCorrect, CountsHitsAsAZeroDimFloat64TensorWithoutReadingIt) {
  const Tensor logits = doubles({0.1, 0.9, 0.0, 2.0, 1.0, 0.5, 0.3, 0.2, 0.8}, {3, 3});  // argmax 1, 0, 2
  const Tensor count = num_correct(logits, labels({1, 2, 2}, {3}));
  EXPECT_EQ(count.dim(), 0);
  EXPECT_EQ(count.dtype(), DType::Float64);
  EXPECT_DOUBLE_EQ(count.item(), 2.0);
  EXPECT_DOUBLE_EQ(num_correct(zeros({0, 3}), labels({}, {0})).item(), 0.0);
  EXPECT_THROW(num_correct(logits, labels({1, 2}, {2})), ShapeError);
}

// ---- CPU/CUDA parity ----

class LossGpu : public test::GpuTest {
 protected:
  // Runs f on CPU inputs and on CUDA copies, backpropagates the same random weights, and compares.
  static void expect_parity(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                            const std::vector<Tensor>& cpu, double tol) {
    std::vector<Tensor> gpu;
    for (const Tensor& t : cpu) {
      gpu.push_back(t.detach().to(Device::cuda()));
      if (t.requires_grad()) gpu.back().requires_grad_(true);
    }
    const Tensor y_cpu = f(cpu), y_gpu = f(gpu);
    ASSERT_EQ(y_gpu.device(), Device::cuda());
    expect_near(y_gpu.to_vector<double>(), y_cpu.to_vector<double>(), tol, "output");
    const Tensor w = random_leaf(y_cpu.shape(), 99).detach().to(y_cpu.dtype());
    y_cpu.backward(w);
    y_gpu.backward(w.to(Device::cuda()));
    for (std::size_t k = 0; k < cpu.size(); ++k)
      if (cpu[k].requires_grad())
        expect_near(gpu[k].grad().to_vector<double>(), cpu[k].grad().to_vector<double>(), tol, "gradient");
  }
};

TEST_F(LossGpu, SoftmaxEveryDimAndRowLength) {
  for (const Shape& shape : {Shape{64, 10}, Shape{8, 1000}, Shape{4, 5000}, Shape{3, 7, 5, 2}})
    for (int64_t dim = 0; dim < static_cast<int64_t>(shape.size()); ++dim)
      for (bool log : {false, true}) {
        SCOPED_TRACE(shape_str(shape) + " dim " + std::to_string(dim) + (log ? " log" : ""));
        expect_parity([&](const auto& in) { return log ? log_softmax(in[0], dim) : softmax(in[0], dim); },
                      {random_leaf(shape, 51, -5, 5)}, 1e-12);
      }
}

TEST_F(LossGpu, SoftmaxFloat32NonContiguous) {
  const Tensor x = leaf_of(random_leaf({6, 300}, 52, -5, 5).detach().to(DType::Float32).t());
  expect_parity([](const auto& in) { return softmax(in[0], 0); }, {x}, 1e-6);
}

TEST_F(LossGpu, CrossEntropyEveryReductionAndClassCount) {
  for (const int64_t classes : {3, 10, 300, 5000})
    for (const Reduction reduction : {Reduction::Mean, Reduction::Sum, Reduction::None})
      for (const double eps : {0.0, 0.1}) {
        SCOPED_TRACE(std::to_string(classes) + " classes");
        std::vector<int64_t> t(37);
        for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<int64_t>((i * 7919) % classes);
        const Tensor targets = labels(t, {37});
        expect_parity(
            [&](const auto& in) {
              return cross_entropy(in[0], in[0].device().is_cpu() ? targets : targets.to(Device::cuda()),
                                   {.label_smoothing = eps, .reduction = reduction});
            },
            {random_leaf({37, classes}, 53, -8, 8)}, 1e-11);
      }
}

TEST_F(LossGpu, CrossEntropySpatialHalfAndLargeLogits) {
  const Tensor targets = labels({0, 3, 1, 2, 2, 0}, {2, 3});
  const auto f = [&](const auto& in) {
    return cross_entropy(in[0], targets.to(in[0].device()), {.label_smoothing = 0.1});
  };
  expect_parity(f, {random_leaf({2, 4, 3}, 54, -3, 3)}, 1e-12);
  const Tensor big = add(random_leaf({2, 4, 3}, 55).detach(), 1e4).to(DType::Float32).requires_grad_(true);
  expect_parity(f, {big}, 1e-5);
  const Tensor half = random_leaf({2, 4, 3}, 56).detach().to(DType::Float16).requires_grad_(true);
  expect_parity(f, {half}, 2e-3);  // one float16 ulp near 1 is 1e-3
}

TEST_F(LossGpu, MseLossAndAccuracy) {
  expect_parity([](const auto& in) { return mse_loss(in[0], in[1]); },
                {random_leaf({5, 6}, 57), random_leaf({5, 6}, 58)}, 1e-12);
  const Tensor logits = random_leaf({50, 10}, 59).detach();
  std::vector<int64_t> t(50);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<int64_t>(i % 10);
  const Tensor targets = labels(t, {50});
  EXPECT_DOUBLE_EQ(accuracy(logits.to(Device::cuda()), targets.to(Device::cuda())),
                   accuracy(logits, targets));
}

TEST_F(LossGpu, OutOfRangeTargetIsReportedAtTheNextSync) {
  const Tensor logits = zeros({4, 5}, {.device = Device::cuda()});
  const Tensor bad = labels({0, 7, 1, 2}, {4}).to(Device::cuda());
  Tensor loss;
  ASSERT_NO_THROW(loss = cross_entropy(logits, bad));  // the kernel only raises the flag
  expect_error<ValueError>([&] { (void)loss.item(); }, {"target 7", "row 1", "5 classes", "cuda:0"});
  // The flag was reset: the next computation is clean.
  const Tensor good = labels({0, 4, 1, 2}, {4}).to(Device::cuda());
  EXPECT_NEAR(cross_entropy(logits, good).item(), std::log(5.0), 1e-6);
  // Stream::synchronize is a sync point too.
  (void)cross_entropy(logits, labels({0, 1, -3, 2}, {4}).to(Device::cuda()), {.reduction = Reduction::None});
  expect_error<ValueError>([] { Stream::current(Device::cuda()).synchronize(); }, {"target -3", "row 2"});
}

}  // namespace
}  // namespace minidl
