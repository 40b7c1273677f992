// CUDA batch norm (docs/formulas.md). Training forward: one reduction pass over the input,
// each block folding a chunk of one channel into a Welford state and combining its threads'
// states with cub::BlockReduce and Chan's combine; a per-channel kernel combines the blocks'
// partial states, saves mean/invstd and updates the running statistics; a grid-stride pass
// normalizes. Backward: the same reduction shape for sum dy and sum dy*(x - mean), then a dx pass.
#include <cub/block/block_reduce.cuh>

#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/batch_norm_backend.h"
#include "kernels/cuda/batch_norm.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"

namespace minidl::kernels::cuda {
namespace {
namespace bn = ::minidl::kernels::detail;
using bn::BatchNormShape;

constexpr int kReduceThreads = 256;
constexpr int kFinalizeThreads = 128;
// About eight resident 256-thread blocks per SM of an H100: the reduction fills the GPU.
constexpr int64_t kTargetBlocks = kMaxBlocks / 4;
// Values per thread before another block is worth its partial state.
constexpr int64_t kMinPerThread = 16;

// The values of one channel's chunk for this block: channel blockIdx.x / parts, value j at
// (n, s) = (j / S, j % S), stored at n * C * S + c * S + s.
struct ChunkGeometry {
  int64_t channels, spatial, per_channel;
  ReductionSplit split;
};

// Folds this block's chunk with fold(state, storage_index) and reduces the threads' states.
template <typename State, typename Combine, typename Fold>
__device__ State reduce_chunk(const ChunkGeometry& g, int64_t c, Combine combine, Fold fold) {
  const int64_t begin = blockIdx.x % g.split.parts * g.split.chunk;
  const int64_t end = begin + g.split.chunk < g.per_channel ? begin + g.split.chunk : g.per_channel;
  const int64_t row_stride = g.channels * g.spatial;
  State state;
  IndexWalker walk(begin + threadIdx.x, kReduceThreads, g.spatial, kUnboundedDigit);
  for (int64_t j = begin + threadIdx.x; j < end; j += kReduceThreads, walk.advance())
    fold(state, walk.hi * row_stride + c * g.spatial + walk.lo);
  using Reduce = cub::BlockReduce<State, kReduceThreads>;
  __shared__ typename Reduce::TempStorage temp;
  return Reduce(temp).Reduce(state, combine);
}

// Combines the `parts` partial states of channel blockIdx.x.
template <typename State, typename Combine>
__device__ State combine_partials(const State* partials, int64_t parts, Combine combine) {
  State state;
  for (int64_t k = threadIdx.x; k < parts; k += kFinalizeThreads)
    state = combine(state, partials[blockIdx.x * parts + k]);
  using Reduce = cub::BlockReduce<State, kFinalizeThreads>;
  __shared__ typename Reduce::TempStorage temp;
  return Reduce(temp).Reduce(state, combine);
}

template <typename T, typename A> struct StatsParams {
  const T* x;
  Welford<A>* partials;
  ChunkGeometry geometry;
};

template <typename T, typename A>
__global__ void __launch_bounds__(kReduceThreads, kMinBlocksPerSm) bn_stats_kernel(StatsParams<T, A> p) {
  const int64_t c = blockIdx.x / p.geometry.split.parts;
  const Welford<A> total = reduce_chunk<Welford<A>>(
      p.geometry, c, WelfordCombine{},
      [&](Welford<A>& s, int64_t i) { welford_update(s, static_cast<A>(widen(p.x[i]))); });
  if (threadIdx.x == 0) p.partials[blockIdx.x] = total;
}

template <typename P, typename A> struct StatsFinalizeParams {
  const Welford<A>* partials;
  int64_t parts;
  BatchNormChannels<P, A> channels;
  ChannelTransform<A>* table;
};

template <typename P, typename A>
__global__ void __launch_bounds__(kFinalizeThreads, kMinBlocksPerSm) bn_stats_finalize_kernel(StatsFinalizeParams<P, A> p) {
  const Welford<A> total = combine_partials(p.partials, p.parts, WelfordCombine{});
  if (threadIdx.x == 0) p.table[blockIdx.x] = finalize_train_channel(p.channels, blockIdx.x, total);
}

template <typename P, typename A> struct EvalPrepParams {
  BatchNormChannels<P, A> channels;
  ChannelTransform<A>* table;
  int64_t n_channels;
};

template <typename P, typename A> __global__ void bn_eval_prep_kernel(EvalPrepParams<P, A> p) {
  const int64_t c = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  if (c < p.n_channels) p.table[c] = finalize_eval_channel(p.channels, c);
}

template <typename T, typename A> struct ApplyParams {
  const T* x;
  T* y;
  const ChannelTransform<A>* table;
  int64_t n, channels, spatial;
  bool relu;
};

template <typename T, typename A> __global__ void bn_apply_kernel(ApplyParams<T, A> p) {
  const int64_t start = blockIdx.x * int64_t{blockDim.x} + threadIdx.x,
                stride = int64_t{gridDim.x} * blockDim.x;
  IndexWalker walk(start, stride, p.spatial, p.channels);  // walk.hi: the channel of element i
  for (int64_t i = start; i < p.n; i += stride, walk.advance())
    p.y[i] = cast_value<T>(batch_norm_apply(static_cast<A>(widen(p.x[i])), p.table[walk.hi], p.relu));
}

template <typename T, typename A> struct GradSumsParams {
  const T* x;
  const T* dy;
  const T* y;  // null without a fused ReLU
  const A* save_mean;
  GradSums<A>* partials;
  ChunkGeometry geometry;
};

template <typename T, typename A> __device__ A upstream_grad(const T* dy, const T* y, int64_t i) {
  const A g = static_cast<A>(widen(dy[i]));
  return y != nullptr ? relu_masked_grad(g, static_cast<A>(widen(y[i])), true) : g;
}

template <typename T, typename A>
__global__ void __launch_bounds__(kReduceThreads, kMinBlocksPerSm) bn_grad_sums_kernel(GradSumsParams<T, A> p) {
  const int64_t c = blockIdx.x / p.geometry.split.parts;
  const A mean = p.save_mean[c];
  const GradSums<A> total =
      reduce_chunk<GradSums<A>>(p.geometry, c, GradSumsAdd{}, [&](GradSums<A>& s, int64_t i) {
        const A g = upstream_grad<T, A>(p.dy, p.y, i);
        s.dy += g;
        s.dy_centered += g * (static_cast<A>(widen(p.x[i])) - mean);
      });
  if (threadIdx.x == 0) p.partials[blockIdx.x] = total;
}

template <typename P, typename A> struct GradFinalizeParams {
  const GradSums<A>* partials;
  int64_t parts;
  BatchNormGradChannels<P, A> channels;
  InputGradTransform<A>* table;
};

template <typename P, typename A>
__global__ void __launch_bounds__(kFinalizeThreads, kMinBlocksPerSm) bn_grad_finalize_kernel(GradFinalizeParams<P, A> p) {
  const GradSums<A> total = combine_partials(p.partials, p.parts, GradSumsAdd{});
  if (threadIdx.x == 0) p.table[blockIdx.x] = finalize_grad_channel(p.channels, blockIdx.x, total);
}

template <typename T, typename A> struct InputGradParams {
  const T* x;
  const T* dy;
  const T* y;
  T* dx;
  const InputGradTransform<A>* table;
  int64_t n, channels, spatial;
};

template <typename T, typename A> __global__ void bn_input_grad_kernel(InputGradParams<T, A> p) {
  const int64_t start = blockIdx.x * int64_t{blockDim.x} + threadIdx.x,
                stride = int64_t{gridDim.x} * blockDim.x;
  IndexWalker walk(start, stride, p.spatial, p.channels);
  for (int64_t i = start; i < p.n; i += stride, walk.advance()) {
    const A g = upstream_grad<T, A>(p.dy, p.y, i);
    p.dx[i] = cast_value<T>(batch_norm_input_grad(g, static_cast<A>(widen(p.x[i])), p.table[walk.hi]));
  }
}

// ---- host ----

cudaStream_t current_stream(const Tensor& t) {
  set_device(t.device().index);
  return static_cast<cudaStream_t>(Stream::current(t.device()).handle());
}

// Device scratch of `count` objects of S (whose members are all A), from the caching allocator.
template <typename S, typename A> Tensor scratch(int64_t count, const Tensor& like) {
  static_assert(sizeof(S) % sizeof(A) == 0, "scratch objects are arrays of A");
  return empty({count * static_cast<int64_t>(sizeof(S) / sizeof(A))},
               {.dtype = dtype_of<A>, .device = like.device()});
}

ChunkGeometry chunk_geometry(const BatchNormShape& shape) {
  return {shape.channels, shape.spatial, shape.per_channel(),
          reduction_split(shape.channels, shape.per_channel(), kReduceThreads, kTargetBlocks, kMinPerThread)};
}

unsigned blocks_of(int64_t n) { return static_cast<unsigned>(n); }

template <typename T, typename A>
void launch_apply(const BatchNormShape& shape, const Tensor& input, const Tensor& output, const Tensor& table,
                  bool relu, cudaStream_t stream) {
  const ApplyParams<T, A> params{static_cast<const T*>(input.data_ptr()),
                                 static_cast<T*>(output.data_ptr()),
                                 static_cast<const ChannelTransform<A>*>(table.data_ptr()),
                                 shape.numel(),
                                 shape.channels,
                                 shape.spatial,
                                 relu};
  bn_apply_kernel<<<blocks_of(grid_size(params.n, kBlockSize, kMaxBlocks)), kBlockSize, 0, stream>>>(params);
  MINIDL_CUDA_CHECK_LAUNCH(bn_apply_kernel);
}

template <typename T, typename P>
void train_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                   const BatchNormOptions& options) {
  using A = acc_t<T>;
  const BatchNormShape shape = bn::batch_norm_shape(in.input);
  const ChunkGeometry geometry = chunk_geometry(shape);
  const int64_t blocks = shape.channels * geometry.split.parts;
  const Tensor partials = scratch<Welford<A>, A>(blocks, in.input);
  const Tensor table = scratch<ChannelTransform<A>, A>(shape.channels, in.input);
  const cudaStream_t stream = current_stream(in.input);
  const StatsParams<T, A> stats_params{static_cast<const T*>(in.input.data_ptr()),
                                       static_cast<Welford<A>*>(partials.data_ptr()), geometry};
  bn_stats_kernel<<<blocks_of(blocks), kReduceThreads, 0, stream>>>(stats_params);
  MINIDL_CUDA_CHECK_LAUNCH(bn_stats_kernel);
  const StatsFinalizeParams<P, A> finalize_params{
      static_cast<const Welford<A>*>(partials.data_ptr()), geometry.split.parts,
      bn::forward_channels<P, A>(in, stats, options), static_cast<ChannelTransform<A>*>(table.data_ptr())};
  bn_stats_finalize_kernel<<<blocks_of(shape.channels), kFinalizeThreads, 0, stream>>>(finalize_params);
  MINIDL_CUDA_CHECK_LAUNCH(bn_stats_finalize_kernel);
  launch_apply<T, A>(shape, in.input, output, table, options.fuse_relu, stream);
}

template <typename T, typename P>
void eval_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                  const BatchNormOptions& options) {
  using A = acc_t<T>;
  const BatchNormShape shape = bn::batch_norm_shape(in.input);
  const Tensor table = scratch<ChannelTransform<A>, A>(shape.channels, in.input);
  const cudaStream_t stream = current_stream(in.input);
  const EvalPrepParams<P, A> prep{bn::forward_channels<P, A>(in, stats, options),
                                  static_cast<ChannelTransform<A>*>(table.data_ptr()), shape.channels};
  bn_eval_prep_kernel<<<blocks_of(grid_size(shape.channels, kBlockSize, 1 << 30)), kBlockSize, 0, stream>>>(
      prep);
  MINIDL_CUDA_CHECK_LAUNCH(bn_eval_prep_kernel);
  if (shape.numel() > 0) launch_apply<T, A>(shape, in.input, output, table, options.fuse_relu, stream);
}

template <typename T, typename P>
void backward(const Tensor& grad_output, const BatchNormInputs& in, const Tensor& output,
              const BatchNormStats& stats, bool training, bool fuse_relu, const BatchNormGrads& grads) {
  using A = acc_t<T>;
  const BatchNormShape shape = bn::batch_norm_shape(in.input);
  const ChunkGeometry geometry = chunk_geometry(shape);
  const int64_t blocks = shape.channels * geometry.split.parts;
  const Tensor partials = scratch<GradSums<A>, A>(blocks, in.input);
  const Tensor table = scratch<InputGradTransform<A>, A>(shape.channels, in.input);
  const cudaStream_t stream = current_stream(in.input);
  const T* x = static_cast<const T*>(in.input.data_ptr());
  const T* dy = static_cast<const T*>(grad_output.data_ptr());
  const T* y = fuse_relu ? static_cast<const T*>(output.data_ptr()) : nullptr;
  const GradSumsParams<T, A> sums_params{x,
                                         dy,
                                         y,
                                         static_cast<const A*>(stats.mean.data_ptr()),
                                         static_cast<GradSums<A>*>(partials.data_ptr()),
                                         geometry};
  bn_grad_sums_kernel<<<blocks_of(blocks), kReduceThreads, 0, stream>>>(sums_params);
  MINIDL_CUDA_CHECK_LAUNCH(bn_grad_sums_kernel);
  const GradFinalizeParams<P, A> finalize_params{
      static_cast<const GradSums<A>*>(partials.data_ptr()), geometry.split.parts,
      bn::grad_channels<P, A>(in, stats, grads, shape.per_channel(), training),
      static_cast<InputGradTransform<A>*>(table.data_ptr())};
  bn_grad_finalize_kernel<<<blocks_of(shape.channels), kFinalizeThreads, 0, stream>>>(finalize_params);
  MINIDL_CUDA_CHECK_LAUNCH(bn_grad_finalize_kernel);
  if (!grads.input.defined() || shape.numel() == 0) return;
  const InputGradParams<T, A> dx_params{x,
                                        dy,
                                        y,
                                        static_cast<T*>(grads.input.data_ptr()),
                                        static_cast<const InputGradTransform<A>*>(table.data_ptr()),
                                        shape.numel(),
                                        shape.channels,
                                        shape.spatial};
  bn_input_grad_kernel<<<blocks_of(grid_size(dx_params.n, kBlockSize, kMaxBlocks)), kBlockSize, 0, stream>>>(
      dx_params);
  MINIDL_CUDA_CHECK_LAUNCH(bn_input_grad_kernel);
}

}  // namespace

void batch_norm_train_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                              const BatchNormOptions& options) {
  bn::dispatch_batch_norm(in.input.dtype(), bn::batch_norm_param_dtype(in), [&](auto t, auto p) {
    train_forward<typename decltype(t)::type, typename decltype(p)::type>(in, output, stats, options);
  });
}

void batch_norm_eval_forward(const BatchNormInputs& in, const Tensor& output, const BatchNormStats& stats,
                             const BatchNormOptions& options) {
  bn::dispatch_batch_norm(in.input.dtype(), bn::batch_norm_param_dtype(in), [&](auto t, auto p) {
    eval_forward<typename decltype(t)::type, typename decltype(p)::type>(in, output, stats, options);
  });
}

void batch_norm_backward(const Tensor& grad_output, const BatchNormInputs& in, const Tensor& output,
                         const BatchNormStats& stats, bool training, bool fuse_relu,
                         const BatchNormGrads& grads) {
  bn::dispatch_batch_norm(in.input.dtype(), bn::batch_norm_param_dtype(in), [&](auto t, auto p) {
    backward<typename decltype(t)::type, typename decltype(p)::type>(grad_output, in, output, stats, training,
                                                                     fuse_relu, grads);
  });
}

}  // namespace minidl::kernels::cuda
