// Backend-neutral softmax, log_softmax and the fused softmax + cross-entropy
// kernels (no autograd): each checks its arguments, then runs kernels/cpu/ or
// kernels/cuda/ by device. The row math is kernels/math/softmax.h.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace minidl::kernels {

/// A contiguous tensor seen around one dim as (outer, size, inner): outer*inner rows of `size`
/// elements, `inner` apart.
struct RowLayout {
  int64_t outer = 1;
  int64_t size = 1;
  int64_t inner = 1;
  int64_t rows() const { return outer * inner; }
};
RowLayout row_layout(const Shape& shape, int64_t dim);

/// out = softmax(x) (or log_softmax) along dim; x, out contiguous floating, same shape and dtype.
void softmax(const Tensor& x, const Tensor& out, int64_t dim, bool log);
/// grad_x from the forward's output y and grad_y (contiguous, same shape and dtype).
void softmax_backward(const Tensor& y, const Tensor& grad_y, const Tensor& grad_x, int64_t dim, bool log);

struct CrossEntropyConfig {
  double label_smoothing = 0.0;
  /// true: the loss is one element, scale * Σ_rows; false: one loss per row.
  bool reduce = true;
  /// 1/rows for reduction mean, 1 for sum and none.
  double scale = 1.0;
};

/// The dtype row statistics are kept in: float64 for float64 logits, float32 otherwise.
DType stats_dtype(DType logits_dtype);

/// Fused log-softmax and cross-entropy over logits (rows, classes) and int64 targets (rows),
/// both contiguous. Writes `loss` (one element when options.reduce, else (rows), dtype of the
/// logits) and `stats` (rows, 2) of stats_dtype: per row the max and the shifted log-sum-exp,
/// which the backward reuses. A target outside [0, classes) throws ValueError on the CPU; on
/// CUDA it sets the device error flag, reported at the next synchronization.
void cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyConfig& options,
                   const Tensor& loss, const Tensor& stats);
/// grad_logits = (softmax - smoothed one-hot) * grad_loss * options.scale, with grad_loss one
/// element (reduce) or one per row.
void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& stats,
                            const Tensor& grad_loss, const CrossEntropyConfig& options,
                            const Tensor& grad_logits);

/// CUDA launch geometry: threads of the block that reduces one row of `row_size` elements
/// (a warp for short rows, so small class counts do not leave most threads idle).
int softmax_block_threads(int64_t row_size);

}  // namespace minidl::kernels
