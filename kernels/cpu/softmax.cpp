// CPU loops of softmax, log_softmax and the fused cross-entropy: one row at a
// time (rows in parallel), two passes per row (max, then the shifted sums), the
// per-element math from kernels/math/softmax.h.
#include "kernels/cpu/softmax.h"

#include <vector>

#include "kernels/dispatch.h"
#include "kernels/math/cast.h"
#include "kernels/math/softmax.h"

namespace minidl::kernels::cpu {
namespace {

// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelGrain = 1 << 15;

template <typename A, typename T>
RowStats<A> row_stats(const T* row, int64_t size, int64_t stride, ShiftedSums<A>* sums_out = nullptr) {
  A max = lowest_value<A>();
  for (int64_t j = 0; j < size; ++j) max = MaxOp{}(max, static_cast<A>(widen(row[j * stride])));
  ShiftedSums<A> sums{};
  for (int64_t j = 0; j < size; ++j) accumulate_shifted(sums, static_cast<A>(widen(row[j * stride])), max);
  if (sums_out) *sums_out = sums;
  return {max, row_log(sums.sum_exp)};
}

template <typename T> void softmax_impl(const T* x, T* out, const RowLayout& layout, bool log) {
  using A = acc_t<T>;
  const int64_t rows = layout.rows(), size = layout.size, inner = layout.inner;
#pragma omp parallel for if (rows * size > kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t start = row_start(r, size, inner);
    const RowStats<A> stats = row_stats<A>(x + start, size, inner);
    for (int64_t j = 0; j < size; ++j) {
      const int64_t i = start + j * inner;
      out[i] = cast_value<T>(softmax_value(static_cast<A>(widen(x[i])), stats, log));
    }
  }
}

template <typename T>
void softmax_backward_impl(const T* y, const T* dy, T* dx, const RowLayout& layout, bool log) {
  using A = acc_t<T>;
  const int64_t rows = layout.rows(), size = layout.size, inner = layout.inner;
#pragma omp parallel for if (rows * size > kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t start = row_start(r, size, inner);
    A row_sum = 0;
    for (int64_t j = 0, i = start; j < size; ++j, i += inner)
      row_sum += softmax_backward_term(static_cast<A>(widen(y[i])), static_cast<A>(widen(dy[i])), log);
    for (int64_t j = 0, i = start; j < size; ++j, i += inner)
      dx[i] = cast_value<T>(
          softmax_backward_value(static_cast<A>(widen(y[i])), static_cast<A>(widen(dy[i])), row_sum, log));
  }
}

// Throws before any work, naming the first bad target: throwing inside a parallel loop is not allowed.
void check_targets(const int64_t* targets, int64_t rows, int64_t classes) {
  for (int64_t r = 0; r < rows; ++r)
    MINIDL_CHECK(target_in_range(targets[r], classes), ValueError, "cross_entropy: target ", targets[r],
                 " at row ", r, " is out of range for ", classes, " classes (expected 0 <= target < ",
                 classes, ")");
}

template <typename T>
void cross_entropy_impl(const Tensor& logits, const Tensor& targets, const CrossEntropyConfig& options,
                        const Tensor& loss, const Tensor& stats) {
  using A = acc_t<T>;
  const int64_t rows = logits.size(0), classes = logits.size(1);
  const T* z = logits.data<T>();
  const int64_t* target = targets.data<int64_t>();
  check_targets(target, rows, classes);
  A* stat = stats.data<A>();
  const A smoothing = static_cast<A>(options.label_smoothing);
  std::vector<A> row_loss(static_cast<std::size_t>(rows));
#pragma omp parallel for if (rows * classes > kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = z + r * classes;
    ShiftedSums<A> sums{};
    const RowStats<A> s = row_stats<A>(row, classes, 1, &sums);
    stat[2 * r] = s.max;
    stat[2 * r + 1] = s.log_sum;
    const A target_shifted = static_cast<A>(widen(row[target[r]])) - s.max;
    row_loss[static_cast<std::size_t>(r)] =
        cross_entropy_row_loss(target_shifted, s, sums.sum_shifted, classes, smoothing);
  }
  T* out = loss.data<T>();
  if (!options.reduce) {
    for (int64_t r = 0; r < rows; ++r) out[r] = cast_value<T>(row_loss[static_cast<std::size_t>(r)]);
    return;
  }
  double total = 0;  // in double, in row order: deterministic and accurate for any row count
  for (const A v : row_loss) total += static_cast<double>(v);
  out[0] = cast_value<T>(total * options.scale);
}

template <typename T>
void cross_entropy_backward_impl(const Tensor& logits, const Tensor& targets, const Tensor& stats,
                                 const Tensor& grad_loss, const CrossEntropyConfig& options,
                                 const Tensor& grad_logits) {
  using A = acc_t<T>;
  const int64_t rows = logits.size(0), classes = logits.size(1);
  const T* z = logits.data<T>();
  const int64_t* target = targets.data<int64_t>();
  const A* stat = stats.data<A>();
  const T* upstream = grad_loss.data<T>();
  T* grad = grad_logits.data<T>();
  const A smoothing = static_cast<A>(options.label_smoothing);
#pragma omp parallel for if (rows * classes > kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) {
    const RowStats<A> s{stat[2 * r], stat[2 * r + 1]};
    const A scale = static_cast<A>(widen(upstream[options.reduce ? 0 : r])) * static_cast<A>(options.scale);
    for (int64_t j = 0; j < classes; ++j) {
      const int64_t i = r * classes + j;
      grad[i] = cast_value<T>(
          cross_entropy_grad(static_cast<A>(widen(z[i])), s, j == target[r], classes, smoothing, scale));
    }
  }
}

}  // namespace

void softmax(const Tensor& x, const Tensor& out, const RowLayout& layout, bool log) {
  dispatch_floating(x.dtype(), "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    softmax_impl(x.data<T>(), out.data<T>(), layout, log);
  });
}

void softmax_backward(const Tensor& y, const Tensor& grad_y, const Tensor& grad_x, const RowLayout& layout,
                      bool log) {
  dispatch_floating(y.dtype(), "softmax backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    softmax_backward_impl(y.data<T>(), grad_y.data<T>(), grad_x.data<T>(), layout, log);
  });
}

void cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyConfig& options,
                   const Tensor& loss, const Tensor& stats) {
  dispatch_floating(logits.dtype(), "cross_entropy", [&](auto tag) {
    cross_entropy_impl<typename decltype(tag)::type>(logits, targets, options, loss, stats);
  });
}

void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& stats,
                            const Tensor& grad_loss, const CrossEntropyConfig& options,
                            const Tensor& grad_logits) {
  dispatch_floating(logits.dtype(), "cross_entropy backward", [&](auto tag) {
    cross_entropy_backward_impl<typename decltype(tag)::type>(logits, targets, stats, grad_loss, options,
                                                              grad_logits);
  });
}

}  // namespace minidl::kernels::cpu
