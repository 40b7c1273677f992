// Row math of softmax, log_softmax and cross-entropy, written once for the CPU
// loops and the CUDA kernels. Rows are shifted by their maximum m before exp, so
// logits of 1e4 never overflow: log Σ exp(z) = m + log Σ exp(z - m).
// Cross-entropy with label smoothing ε over C classes (docs/formulas.md):
//   loss = (1-ε)(-log p_y) + ε·mean_c(-log p_c),  d loss/dz_j = p_j - (1-ε)[j=y] - ε/C.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "core/host_device.h"

namespace minidl::kernels {

// exp/log on both backends (libm on the host, CUDA's math library on the device).
MINIDL_HD_INLINE float row_exp(float x) { return ::expf(x); }
MINIDL_HD_INLINE double row_exp(double x) { return ::exp(x); }
MINIDL_HD_INLINE float row_log(float x) { return ::logf(x); }
MINIDL_HD_INLINE double row_log(double x) { return ::log(x); }

/// First element of row `row` of a contiguous (outer, size, inner) tensor; its elements are `inner` apart.
MINIDL_HD_INLINE int64_t row_start(int64_t row, int64_t size, int64_t inner) {
  return (row / inner) * size * inner + row % inner;
}

/// The identity of the row maximum.
template <typename A> MINIDL_HD_INLINE A lowest_value() { return -std::numeric_limits<A>::infinity(); }

/// Binary op of the max pass (a functor, so CUB's BlockReduce can take it).
struct MaxOp {
  template <typename A> MINIDL_HD_INLINE A operator()(A a, A b) const { return b > a ? b : a; }
};

/// Σ exp(z - m) and Σ (z - m) of one row: what the log-sum-exp and the label-smoothing term need.
/// (No member initializers: CUDA keeps one in shared memory; start from ShiftedSums<A>{}.)
template <typename A> struct ShiftedSums {
  A sum_exp;
  A sum_shifted;
};

/// Adds one element z of a row with maximum m.
template <typename A> MINIDL_HD_INLINE void accumulate_shifted(ShiftedSums<A>& sums, A z, A m) {
  sums.sum_exp += row_exp(z - m);
  sums.sum_shifted += z - m;
}

/// Combines partial sums (CUB's BlockReduce op).
struct ShiftedSumsOp {
  template <typename A>
  MINIDL_HD_INLINE ShiftedSums<A> operator()(const ShiftedSums<A>& a, const ShiftedSums<A>& b) const {
    return {a.sum_exp + b.sum_exp, a.sum_shifted + b.sum_shifted};
  }
};

/// Per row, the max m and the shifted log-sum-exp s = log Σ exp(z - m); log_softmax(z) = (z - m) - s.
/// Kept apart rather than as m + s: for z near 1e4, z - m is exact and m + s would round.
template <typename A> struct RowStats {
  A max;
  A log_sum;
};

/// softmax (or log_softmax) of one element z of a row with statistics `row`.
template <typename A> MINIDL_HD_INLINE A softmax_value(A z, RowStats<A> row, bool log) {
  const A shifted = (z - row.max) - row.log_sum;
  return log ? shifted : row_exp(shifted);
}

/// What the backward sums over a row: Σ dy·y for softmax, Σ dy for log_softmax.
template <typename A> MINIDL_HD_INLINE A softmax_backward_term(A y, A dy, bool log) {
  return log ? dy : dy * y;
}

/// dx from the saved output y, the incoming dy and the row's sum of softmax_backward_term:
/// softmax: y (dy - Σ dy·y);  log_softmax: dy - exp(y) Σ dy.
template <typename A> MINIDL_HD_INLINE A softmax_backward_value(A y, A dy, A row_sum, bool log) {
  return log ? dy - row_exp(y) * row_sum : y * (dy - row_sum);
}

/// True when a class index is a valid target for `classes` classes.
MINIDL_HD_INLINE bool target_in_range(int64_t target, int64_t classes) {
  return target >= 0 && target < classes;
}

/// The loss of one row from its statistics: z_y - m of the target, Σ (z - m), C and ε.
template <typename A>
MINIDL_HD_INLINE A cross_entropy_row_loss(A target_shifted, RowStats<A> row, A sum_shifted, int64_t classes,
                                          A smoothing) {
  const A nll = row.log_sum - target_shifted;  // -log p_y
  if (smoothing == A(0)) return nll;           // skips ε·(-inf) when a class has a -inf logit
  const A mean_nll = row.log_sum - sum_shifted / static_cast<A>(classes);  // mean_c(-log p_c)
  return (A(1) - smoothing) * nll + smoothing * mean_nll;
}

/// d loss / d z_j of one element: (p_j - smoothed one-hot) * scale, scale being the upstream
/// gradient of the row times 1/rows for reduction mean.
template <typename A>
MINIDL_HD_INLINE A cross_entropy_grad(A z, RowStats<A> row, bool is_target, int64_t classes, A smoothing,
                                      A scale) {
  A target_weight = smoothing / static_cast<A>(classes);
  if (is_target) target_weight += A(1) - smoothing;
  return (softmax_value(z, row, false) - target_weight) * scale;
}

}  // namespace minidl::kernels
