// Combine steps of the reductions, written once for both backends: the running
// maximum with the index of its first occurrence (NaN counts as the largest, as
// PyTorch's max propagates it), and the two-pass variance from deviations d = x - mean,
// with the rounding error of the mean corrected: m2 = sum d^2 - (sum d)^2 / n
// (Chan, Golub & LeVeque 1983, "Algorithms for computing the sample variance").
#pragma once

#include <cstdint>

#include "core/host_device.h"

namespace minidl::kernels {

template <typename Acc> struct MaxIndex {
  Acc value;
  int64_t index;
};

/// A total order (NaN largest, then the lower index on ties), so the combine is
/// associative and commutative and any reduction tree finds the first maximum.
template <typename Acc>
MINIDL_HD_INLINE MaxIndex<Acc> combine_max(const MaxIndex<Acc>& a, const MaxIndex<Acc>& b) {
  const bool a_nan = a.value != a.value;
  const bool b_nan = b.value != b.value;
  if (a_nan != b_nan) return a_nan ? a : b;
  if (!a_nan && a.value != b.value) return a.value > b.value ? a : b;
  return a.index <= b.index ? a : b;
}

/// Sums of deviations from a segment's mean and of their squares.
template <typename Acc> struct Deviations {
  Acc sum;
  Acc sum_sq;
};

template <typename Acc>
MINIDL_HD_INLINE Deviations<Acc> combine_deviations(const Deviations<Acc>& a, const Deviations<Acc>& b) {
  return {a.sum + b.sum, a.sum_sq + b.sum_sq};
}

/// The variance of n values from their deviations, divided by max(0, n - correction)
/// (correction 1 is Bessel's, torch.var's default; too few values give NaN or inf).
template <typename Acc>
MINIDL_HD_INLINE Acc variance(const Deviations<Acc>& d, int64_t n, double correction) {
  const double divisor = static_cast<double>(n) - correction;
  Acc m2 = d.sum_sq - d.sum * d.sum / static_cast<Acc>(n);
  if (m2 < Acc(0)) m2 = Acc(0);  // rounding only; NaN passes
  return m2 / static_cast<Acc>(divisor > 0 ? divisor : 0.0);
}

}  // namespace minidl::kernels
