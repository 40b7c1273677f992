// CUDA softmax, log_softmax and the fused cross-entropy. Rows whose elements are
// adjacent (softmax over the last dim, every cross-entropy row) get one block each:
// threads stride over the row and CUB BlockReduce combines the max, then the shifted
// sums. Rows whose elements are `inner` apart (softmax over a middle dim) get one
// thread each, so neighbouring threads read neighbouring addresses. Row math:
// kernels/math/softmax.h, the same as the CPU loops.
#include <cub/block/block_reduce.cuh>
#include <cub/device/device_reduce.cuh>

#include <limits>
#include <type_traits>

#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/error_flag.h"
#include "kernels/cuda/fill_copy.h"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/softmax.h"
#include "kernels/dispatch.h"
#include "kernels/math/cast.h"
#include "kernels/math/softmax.h"

namespace minidl::kernels::cuda {
namespace {

template <typename T> struct SoftmaxParams {
  const T* x;
  T* out;
  int64_t rows, size, inner;
  bool log;
};

template <typename T> struct SoftmaxBackwardParams {
  const T* y;
  const T* dy;
  T* dx;
  int64_t rows, size, inner;
  bool log;
};

template <typename T> struct CrossEntropyParams {
  const T* logits;
  const int64_t* targets;
  acc_t<T>* row_loss;  // (rows)
  acc_t<T>* stats;     // (rows, 2): max, shifted log-sum-exp
  int64_t rows, classes;
  acc_t<T> smoothing;
  DeviceErrorFlag* error;
};

template <typename T> struct CrossEntropyBackwardParams {
  const T* logits;
  const int64_t* targets;
  const acc_t<T>* stats;
  const T* grad_loss;
  int64_t grad_loss_stride;  // 0: one upstream gradient for all rows (reduced loss)
  acc_t<T> scale;
  T* grad_logits;
  int64_t rows, classes;
  acc_t<T> smoothing;
};

template <typename T> __device__ __forceinline__ acc_t<T> load(const T* p, int64_t i) {
  return static_cast<acc_t<T>>(widen(p[i]));
}

// The statistics of one contiguous row, reduced by the whole block; every thread gets them.
template <int kThreads, typename A, typename T>
__device__ RowStats<A> block_row_stats(const T* row, int64_t size, ShiftedSums<A>* sums_out) {
  using MaxReduce = cub::BlockReduce<A, kThreads>;
  using SumReduce = cub::BlockReduce<ShiftedSums<A>, kThreads>;
  __shared__ union {
    typename MaxReduce::TempStorage max;
    typename SumReduce::TempStorage sums;
  } temp;
  __shared__ A row_max;
  __shared__ ShiftedSums<A> row_sums;
  A max = lowest_value<A>();
  for (int64_t j = threadIdx.x; j < size; j += kThreads) max = MaxOp{}(max, load(row, j));
  max = MaxReduce(temp.max).Reduce(max, MaxOp{});
  if (threadIdx.x == 0) row_max = max;
  __syncthreads();  // also ends every thread's use of temp before the second reduction
  max = row_max;
  ShiftedSums<A> sums{};
  for (int64_t j = threadIdx.x; j < size; j += kThreads) accumulate_shifted(sums, load(row, j), max);
  sums = SumReduce(temp.sums).Reduce(sums, ShiftedSumsOp{});
  if (threadIdx.x == 0) row_sums = sums;
  __syncthreads();
  sums = row_sums;
  __syncthreads();  // the next row rewrites the shared slots
  if (sums_out) *sums_out = sums;
  return {max, row_log(sums.sum_exp)};
}

template <int kThreads, typename T> __global__ void softmax_rows_fwd_kernel(SoftmaxParams<T> p) {
  using A = acc_t<T>;
  for (int64_t r = blockIdx.x; r < p.rows; r += gridDim.x) {
    const T* x = p.x + r * p.size;
    const RowStats<A> stats = block_row_stats<kThreads, A>(x, p.size, nullptr);
    for (int64_t j = threadIdx.x; j < p.size; j += kThreads)
      p.out[r * p.size + j] = cast_value<T>(softmax_value(load(x, j), stats, p.log));
  }
}

template <typename T> __global__ void softmax_cols_fwd_kernel(SoftmaxParams<T> p) {
  using A = acc_t<T>;
  for (int64_t r = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; r < p.rows;
       r += int64_t{gridDim.x} * blockDim.x) {
    const int64_t start = row_start(r, p.size, p.inner), end = start + p.size * p.inner;
    A max = lowest_value<A>();
    for (int64_t i = start; i < end; i += p.inner) max = MaxOp{}(max, load(p.x, i));
    ShiftedSums<A> sums{};
    for (int64_t i = start; i < end; i += p.inner) accumulate_shifted(sums, load(p.x, i), max);
    const RowStats<A> stats{max, row_log(sums.sum_exp)};
    for (int64_t i = start; i < end; i += p.inner)
      p.out[i] = cast_value<T>(softmax_value(load(p.x, i), stats, p.log));
  }
}

template <int kThreads, typename T> __global__ void softmax_rows_bwd_kernel(SoftmaxBackwardParams<T> p) {
  using A = acc_t<T>;
  using SumReduce = cub::BlockReduce<A, kThreads>;
  __shared__ typename SumReduce::TempStorage temp;
  __shared__ A shared_sum;
  for (int64_t r = blockIdx.x; r < p.rows; r += gridDim.x) {
    const int64_t base = r * p.size;
    A sum = 0;
    for (int64_t j = threadIdx.x; j < p.size; j += kThreads)
      sum += softmax_backward_term(load(p.y, base + j), load(p.dy, base + j), p.log);
    sum = SumReduce(temp).Sum(sum);
    if (threadIdx.x == 0) shared_sum = sum;
    __syncthreads();
    sum = shared_sum;
    for (int64_t j = threadIdx.x; j < p.size; j += kThreads)
      p.dx[base + j] =
          cast_value<T>(softmax_backward_value(load(p.y, base + j), load(p.dy, base + j), sum, p.log));
    __syncthreads();  // the next row rewrites shared_sum and temp
  }
}

template <typename T> __global__ void softmax_cols_bwd_kernel(SoftmaxBackwardParams<T> p) {
  using A = acc_t<T>;
  for (int64_t r = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; r < p.rows;
       r += int64_t{gridDim.x} * blockDim.x) {
    const int64_t start = row_start(r, p.size, p.inner), end = start + p.size * p.inner;
    A sum = 0;
    for (int64_t i = start; i < end; i += p.inner)
      sum += softmax_backward_term(load(p.y, i), load(p.dy, i), p.log);
    for (int64_t i = start; i < end; i += p.inner)
      p.dx[i] = cast_value<T>(softmax_backward_value(load(p.y, i), load(p.dy, i), sum, p.log));
  }
}

template <int kThreads, typename T> __global__ void cross_entropy_fwd_kernel(CrossEntropyParams<T> p) {
  using A = acc_t<T>;
  for (int64_t r = blockIdx.x; r < p.rows; r += gridDim.x) {
    const T* row = p.logits + r * p.classes;
    ShiftedSums<A> sums{};
    const RowStats<A> stats = block_row_stats<kThreads, A>(row, p.classes, &sums);
    if (threadIdx.x != 0) continue;
    p.stats[2 * r] = stats.max;
    p.stats[2 * r + 1] = stats.log_sum;
    const int64_t target = p.targets[r];
    if (!target_in_range(target, p.classes)) {
      raise_device_error(p.error, DeviceErrorCode::TargetOutOfRange, r, target, p.classes);
      p.row_loss[r] = std::numeric_limits<A>::quiet_NaN();
      continue;
    }
    p.row_loss[r] = cross_entropy_row_loss(load(row, target) - stats.max, stats, sums.sum_shifted, p.classes,
                                           p.smoothing);
  }
}

template <typename T> __global__ void cross_entropy_bwd_kernel(CrossEntropyBackwardParams<T> p) {
  using A = acc_t<T>;
  const int64_t n = p.rows * p.classes;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t r = i / p.classes, j = i % p.classes;
    const RowStats<A> stats{p.stats[2 * r], p.stats[2 * r + 1]};
    const A scale = load(p.grad_loss, r * p.grad_loss_stride) * p.scale;
    p.grad_logits[i] = cast_value<T>(
        cross_entropy_grad(load(p.logits, i), stats, j == p.targets[r], p.classes, p.smoothing, scale));
  }
}

// out[0] = sum * scale in the loss dtype.
template <typename T> __global__ void scale_sum_kernel(const double* sum, double scale, T* out) {
  out[0] = cast_value<T>(sum[0] * scale);
}

struct AddDouble {
  __device__ double operator()(double a, double b) const { return a + b; }
};

cudaStream_t current_stream(const Tensor& t) {
  set_device(t.device().index);
  return static_cast<cudaStream_t>(Stream::current(t.device()).handle());
}

// Calls f with the block size of rows of `row_size` as an integral_constant (one instantiation each).
template <typename F> void with_block_threads(int64_t row_size, F&& f) {
  switch (softmax_block_threads(row_size)) {
    case 32: return f(std::integral_constant<int, 32>{});
    case 128: return f(std::integral_constant<int, 128>{});
    default: return f(std::integral_constant<int, 512>{});
  }
}

unsigned row_grid(int64_t rows) { return static_cast<unsigned>(grid_size(rows, 1, kMaxBlocks)); }
unsigned thread_grid(int64_t n) { return static_cast<unsigned>(grid_size(n, kBlockSize, kMaxBlocks)); }

// loss = scale * Σ row_loss, summed in double by CUB (deterministic for a given size and GPU).
template <typename T>
void reduce_rows(const Tensor& row_loss, double scale, const Tensor& loss, cudaStream_t stream) {
  using A = acc_t<T>;
  const Tensor sum = empty({1}, {.dtype = DType::Float64, .device = loss.device()});
  const auto* in = row_loss.data<A>();
  auto* out = sum.data<double>();
  const int n = static_cast<int>(row_loss.numel());
  std::size_t temp_bytes = 0;
  MINIDL_CUDA_CHECK(cub::DeviceReduce::Reduce(nullptr, temp_bytes, in, out, n, AddDouble{}, 0.0, stream));
  const Tensor temp =
      empty({static_cast<int64_t>(temp_bytes)}, {.dtype = DType::UInt8, .device = loss.device()});
  MINIDL_CUDA_CHECK(
      cub::DeviceReduce::Reduce(temp.data_ptr(), temp_bytes, in, out, n, AddDouble{}, 0.0, stream));
  scale_sum_kernel<<<1, 1, 0, stream>>>(out, scale, loss.data<T>());
  MINIDL_CUDA_CHECK_LAUNCH(scale_sum_kernel);
}

}  // namespace

void softmax(const Tensor& x, const Tensor& out, const RowLayout& layout, bool log) {
  const cudaStream_t stream = current_stream(x);
  dispatch_floating(x.dtype(), "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const SoftmaxParams<T> p{x.data<T>(), out.data<T>(), layout.rows(), layout.size, layout.inner, log};
    if (layout.inner > 1) {
      softmax_cols_fwd_kernel<<<thread_grid(p.rows), kBlockSize, 0, stream>>>(p);
      MINIDL_CUDA_CHECK_LAUNCH(softmax_cols_fwd_kernel);
      return;
    }
    with_block_threads(layout.size, [&](auto threads) {
      softmax_rows_fwd_kernel<decltype(threads)::value>
          <<<row_grid(p.rows), decltype(threads)::value, 0, stream>>>(p);
      MINIDL_CUDA_CHECK_LAUNCH(softmax_rows_fwd_kernel);
    });
  });
}

void softmax_backward(const Tensor& y, const Tensor& grad_y, const Tensor& grad_x, const RowLayout& layout,
                      bool log) {
  const cudaStream_t stream = current_stream(y);
  dispatch_floating(y.dtype(), "softmax backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const SoftmaxBackwardParams<T> p{
        y.data<T>(), grad_y.data<T>(), grad_x.data<T>(), layout.rows(), layout.size, layout.inner, log};
    if (layout.inner > 1) {
      softmax_cols_bwd_kernel<<<thread_grid(p.rows), kBlockSize, 0, stream>>>(p);
      MINIDL_CUDA_CHECK_LAUNCH(softmax_cols_bwd_kernel);
      return;
    }
    with_block_threads(layout.size, [&](auto threads) {
      softmax_rows_bwd_kernel<decltype(threads)::value>
          <<<row_grid(p.rows), decltype(threads)::value, 0, stream>>>(p);
      MINIDL_CUDA_CHECK_LAUNCH(softmax_rows_bwd_kernel);
    });
  });
}

void cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyConfig& options,
                   const Tensor& loss, const Tensor& stats) {
  DeviceErrorFlag* error = device_error_flag(logits.device().index);
  const cudaStream_t stream = current_stream(logits);
  dispatch_floating(logits.dtype(), "cross_entropy", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const int64_t rows = logits.size(0), classes = logits.size(1);
    // Per-row losses in the accumulation dtype; for float32/float64 with no reduction, the output itself.
    const bool direct = !options.reduce && std::is_same_v<T, A>;
    const Tensor row_loss =
        direct ? loss : empty({rows}, {.dtype = stats.dtype(), .device = logits.device()});
    const CrossEntropyParams<T> p{logits.data<T>(),
                                  targets.data<int64_t>(),
                                  row_loss.data<A>(),
                                  stats.data<A>(),
                                  rows,
                                  classes,
                                  static_cast<A>(options.label_smoothing),
                                  error};
    with_block_threads(classes, [&](auto threads) {
      cross_entropy_fwd_kernel<decltype(threads)::value>
          <<<row_grid(rows), decltype(threads)::value, 0, stream>>>(p);
      MINIDL_CUDA_CHECK_LAUNCH(cross_entropy_fwd_kernel);
    });
    if (options.reduce)
      reduce_rows<T>(row_loss, options.scale, loss, stream);
    else if (!direct)
      cuda::copy(row_loss, loss);
  });
}

void cross_entropy_backward(const Tensor& logits, const Tensor& targets, const Tensor& stats,
                            const Tensor& grad_loss, const CrossEntropyConfig& options,
                            const Tensor& grad_logits) {
  const cudaStream_t stream = current_stream(logits);
  dispatch_floating(logits.dtype(), "cross_entropy backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const CrossEntropyBackwardParams<T> p{logits.data<T>(),       targets.data<int64_t>(),
                                          stats.data<A>(),        grad_loss.data<T>(),
                                          options.reduce ? 0 : 1, static_cast<A>(options.scale),
                                          grad_logits.data<T>(),  logits.size(0),
                                          logits.size(1),         static_cast<A>(options.label_smoothing)};
    cross_entropy_bwd_kernel<<<thread_grid(logits.numel()), kBlockSize, 0, stream>>>(p);
    MINIDL_CUDA_CHECK_LAUNCH(cross_entropy_bwd_kernel);
  });
}

}  // namespace minidl::kernels::cuda
