// The row math of kernels/math/softmax.h against long-double references computed
// here without the shift, finite differences of the per-row loss, the closed-form
// softmax Jacobian, and the CUDA launch geometry of kernels/softmax.h.
#include "kernels/math/softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/softmax.h"

namespace minidl::kernels {
namespace {

// Statistics of a row folded the way both backends do: max, then the shifted sums.
template <typename A> RowStats<A> stats_of(const std::vector<A>& row, ShiftedSums<A>* sums_out = nullptr) {
  A max = lowest_value<A>();
  for (A z : row) max = MaxOp{}(max, z);
  ShiftedSums<A> sums{};
  for (A z : row) accumulate_shifted(sums, z, max);
  if (sums_out) *sums_out = sums;
  return {max, row_log(sums.sum_exp)};
}

// log Σ exp(z) without any shift, in long double (fine for moderate logits).
long double naive_log_sum_exp(const std::vector<double>& row) {
  long double total = 0;
  for (double z : row) total += std::exp(static_cast<long double>(z));
  return std::log(total);
}

// (1-ε)(-log p_y) + ε mean_c(-log p_c), straight from docs/formulas.md.
long double reference_loss(const std::vector<double>& row, int64_t target, double smoothing) {
  const long double lse = naive_log_sum_exp(row);
  long double mean_nll = 0;
  for (double z : row) mean_nll += (lse - z) / static_cast<long double>(row.size());
  return (1 - smoothing) * (lse - row[static_cast<std::size_t>(target)]) + smoothing * mean_nll;
}

double row_loss(const std::vector<double>& row, int64_t target, double smoothing) {
  ShiftedSums<double> sums;
  const RowStats<double> s = stats_of(row, &sums);
  return cross_entropy_row_loss(row[static_cast<std::size_t>(target)] - s.max, s, sums.sum_shifted,
                                static_cast<int64_t>(row.size()), smoothing);
}

const std::vector<double> kRow = {0.3, -1.2, 2.5, 0.0, 1.1};

TEST(SoftmaxMath, RowStartWalksOuterThenInner) {
  // (outer=2, size=3, inner=4): row r = (o, i) starts at o*12 + i.
  for (int64_t o = 0; o < 2; ++o)
    for (int64_t i = 0; i < 4; ++i) EXPECT_EQ(row_start(o * 4 + i, 3, 4), o * 12 + i);
  EXPECT_EQ(row_start(5, 7, 1), 35);
}

TEST(SoftmaxMath, StatsGiveTheLogSumExp) {
  const RowStats<double> s = stats_of(kRow);
  EXPECT_EQ(s.max, 2.5);
  EXPECT_NEAR(s.max + s.log_sum, static_cast<double>(naive_log_sum_exp(kRow)), 1e-15);
}

TEST(SoftmaxMath, SoftmaxSumsToOneAndLogSoftmaxIsItsLog) {
  const RowStats<double> s = stats_of(kRow);
  const long double lse = naive_log_sum_exp(kRow);
  double total = 0;
  for (double z : kRow) {
    const double p = softmax_value(z, s, false);
    total += p;
    EXPECT_NEAR(p, static_cast<double>(std::exp(z - lse)), 4e-16);
    EXPECT_NEAR(softmax_value(z, s, true), static_cast<double>(z - lse), 1e-15);
  }
  EXPECT_NEAR(total, 1.0, 1e-15);
}

TEST(SoftmaxMath, LogitsOfTenThousandStayFinite) {
  // exp(1e4) overflows even float64; shifted by the max, the row is [0, -1, -2] exactly.
  const std::vector<float> big = {1e4f, 1e4f - 1, 1e4f - 2};
  const std::vector<float> small = {0, -1, -2};
  const RowStats<float> sb = stats_of(big), ss = stats_of(small);
  for (std::size_t j = 0; j < big.size(); ++j) {
    EXPECT_TRUE(std::isfinite(softmax_value(big[j], sb, true)));
    EXPECT_EQ(softmax_value(big[j], sb, false), softmax_value(small[j], ss, false));
    EXPECT_EQ(softmax_value(big[j], sb, true), softmax_value(small[j], ss, true));
  }
}

TEST(SoftmaxMath, PartialSumsCombineToTheWholeRow) {
  // What CUB's BlockReduce does: fold pieces per thread, then combine the pieces.
  ShiftedSums<double> whole;
  const RowStats<double> s = stats_of(kRow, &whole);
  ShiftedSums<double> a{}, b{};
  for (std::size_t j = 0; j < kRow.size(); ++j) accumulate_shifted(j % 2 ? a : b, kRow[j], s.max);
  const ShiftedSums<double> combined = ShiftedSumsOp{}(a, b);
  EXPECT_NEAR(combined.sum_exp, whole.sum_exp, 1e-15);
  EXPECT_NEAR(combined.sum_shifted, whole.sum_shifted, 1e-15);
  EXPECT_EQ(MaxOp{}(MaxOp{}(-1.0, 3.0), MaxOp{}(2.0, lowest_value<double>())), 3.0);
}

TEST(SoftmaxMath, RowLossMatchesTheFormula) {
  for (const double smoothing : {0.0, 0.1, 0.5, 1.0})
    for (int64_t target = 0; target < 5; ++target)
      EXPECT_NEAR(row_loss(kRow, target, smoothing),
                  static_cast<double>(reference_loss(kRow, target, smoothing)), 1e-14)
          << "smoothing " << smoothing << " target " << target;
}

TEST(SoftmaxMath, RowLossIgnoresMinusInfinityWithoutSmoothing) {
  const std::vector<double> row = {1.0, -INFINITY, 0.0};
  EXPECT_NEAR(row_loss(row, 0, 0.0), std::log(1 + std::exp(-1.0)), 1e-15);
  EXPECT_TRUE(std::isinf(row_loss(row, 0, 0.1)));  // ε·mean_c(-log p_c) is infinite, as in PyTorch
}

TEST(SoftmaxMath, GradientIsTheDerivativeOfTheRowLoss) {
  const double smoothing = 0.2, eps = 1e-6, scale = 0.75;
  const int64_t target = 3;
  const RowStats<double> s = stats_of(kRow);
  for (std::size_t j = 0; j < kRow.size(); ++j) {
    std::vector<double> plus = kRow, minus = kRow;
    plus[j] += eps;
    minus[j] -= eps;
    const double numeric =
        scale * (row_loss(plus, target, smoothing) - row_loss(minus, target, smoothing)) / (2 * eps);
    const double analytic =
        cross_entropy_grad(kRow[j], s, static_cast<int64_t>(j) == target, 5, smoothing, scale);
    EXPECT_NEAR(analytic, numeric, 1e-8) << j;
  }
}

TEST(SoftmaxMath, BackwardMatchesTheJacobian) {
  const std::vector<double> dy = {0.5, -1.0, 0.25, 2.0, -0.75};
  const RowStats<double> s = stats_of(kRow);
  std::vector<double> y(kRow.size()), logy(kRow.size());
  double dot = 0, total = 0;
  for (std::size_t j = 0; j < y.size(); ++j) {
    y[j] = softmax_value(kRow[j], s, false);
    logy[j] = softmax_value(kRow[j], s, true);
    dot += softmax_backward_term(y[j], dy[j], false);
    total += softmax_backward_term(logy[j], dy[j], true);
  }
  for (std::size_t i = 0; i < y.size(); ++i) {
    double want = 0, want_log = 0;  // Σ_j dy_j d y_j / d z_i, with dy/dz = y_j (δ_ij - y_i)
    for (std::size_t j = 0; j < y.size(); ++j) {
      want += dy[j] * y[j] * ((i == j) - y[i]);
      want_log += dy[j] * ((i == j) - y[i]);
    }
    EXPECT_NEAR(softmax_backward_value(y[i], dy[i], dot, false), want, 1e-15);
    EXPECT_NEAR(softmax_backward_value(logy[i], dy[i], total, true), want_log, 1e-14);
  }
}

TEST(SoftmaxMath, TargetRange) {
  EXPECT_TRUE(target_in_range(0, 3));
  EXPECT_TRUE(target_in_range(2, 3));
  EXPECT_FALSE(target_in_range(3, 3));
  EXPECT_FALSE(target_in_range(-1, 3));
}

TEST(SoftmaxGeometry, WarpForShortRowsLargerBlocksForLongOnes) {
  EXPECT_EQ(softmax_block_threads(1), 32);
  EXPECT_EQ(softmax_block_threads(10), 32);
  EXPECT_EQ(softmax_block_threads(256), 32);
  EXPECT_EQ(softmax_block_threads(257), 128);
  EXPECT_EQ(softmax_block_threads(4096), 128);
  EXPECT_EQ(softmax_block_threads(4097), 512);
  EXPECT_EQ(softmax_block_threads(int64_t{1} << 40), 512);
}

TEST(SoftmaxGeometry, RowLayoutAroundEachDim) {
  const Shape shape = {2, 3, 4, 5};
  const RowLayout first = row_layout(shape, 0), middle = row_layout(shape, 2), last = row_layout(shape, -1);
  EXPECT_EQ((std::vector<int64_t>{first.outer, first.size, first.inner}), (std::vector<int64_t>{1, 2, 60}));
  EXPECT_EQ((std::vector<int64_t>{middle.outer, middle.size, middle.inner}), (std::vector<int64_t>{6, 4, 5}));
  EXPECT_EQ((std::vector<int64_t>{last.outer, last.size, last.inner}), (std::vector<int64_t>{24, 5, 1}));
  EXPECT_EQ(middle.rows(), 30);
  EXPECT_THROW(row_layout(shape, 4), ValueError);
}

}  // namespace
}  // namespace minidl::kernels
