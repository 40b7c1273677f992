// CUDA reductions: a "reducer" (identity, load, combine, store; the combine steps are
// kernels/math/reduction.h) runs in one of three kernels picked by reduce_plan.h: a
// thread per short segment, or cub::BlockReduce over a segment or a chunk of one,
// with a second pass over the chunks' partials. 16-bit inputs reduce in float.
#include <cuda_runtime.h>

#include <cub/block/block_reduce.cuh>
#include <limits>

#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/reduce_plan.h"
#include "kernels/cuda/reduction.h"
#include "kernels/dispatch.h"
#include "kernels/math/cast.h"
#include "kernels/math/reduction.h"

namespace minidl::kernels::cuda {
namespace {

/// The accumulator of sums: float for 16-bit floats and float, double for double, int64 for the rest.
template <typename T>
using sum_acc_t = std::conditional_t<std::is_floating_point_v<acc_t<T>>, acc_t<T>, int64_t>;

template <typename T, typename Acc, typename Out> struct SumReducer {
  using acc_type = Acc;
  const T* x;
  Out* out;
  double scale;  // 1 for sum, 1/n for mean
  __device__ Acc identity() const { return Acc(0); }
  __device__ Acc load(int64_t, int64_t offset, int64_t) const { return cast_value<Acc>(x[offset]); }
  __device__ static Acc combine(const Acc& a, const Acc& b) { return a + b; }
  __device__ void store(int64_t o, const Acc& v) const {
    if constexpr (std::is_floating_point_v<Acc>)
      out[o] = cast_value<Out>(v * static_cast<Acc>(scale));
    else
      out[o] = static_cast<Out>(v);
  }
};

template <typename T, typename Acc> struct VarReducer {
  using acc_type = Deviations<Acc>;
  const T* x;
  const Acc* mean;  // one per output, from a first SumReducer pass
  T* out;
  int64_t n;
  double correction;
  __device__ acc_type identity() const { return {Acc(0), Acc(0)}; }
  __device__ acc_type load(int64_t o, int64_t offset, int64_t) const {
    const Acc d = cast_value<Acc>(x[offset]) - mean[o];
    return {d, d * d};
  }
  __device__ static acc_type combine(const acc_type& a, const acc_type& b) {
    return combine_deviations(a, b);
  }
  __device__ void store(int64_t o, const acc_type& v) const {
    out[o] = cast_value<T>(variance(v, n, correction));
  }
};

template <typename T> struct MaxReducer {
  using Acc = acc_t<T>;
  using acc_type = MaxIndex<Acc>;
  const T* x;
  T* values;
  int64_t* indices;
  __device__ acc_type identity() const {
    return {-std::numeric_limits<Acc>::infinity(), std::numeric_limits<int64_t>::max()};
  }
  __device__ acc_type load(int64_t, int64_t offset, int64_t r) const {
    return {cast_value<Acc>(x[offset]), r};
  }
  __device__ static acc_type combine(const acc_type& a, const acc_type& b) { return combine_max(a, b); }
  __device__ void store(int64_t o, const acc_type& v) const {
    values[o] = cast_value<T>(v.value);
    indices[o] = v.index;
  }
};

template <typename R> struct CombineOf {
  __device__ typename R::acc_type operator()(const typename R::acc_type& a,
                                             const typename R::acc_type& b) const {
    return R::combine(a, b);
  }
};

template <typename R> struct ReduceParams {
  ReduceLayout layout;
  R reducer;
  int64_t splits;
  int64_t chunk;
  typename R::acc_type* partials;  // outer * splits, when splits > 1
};

template <typename R> __global__ void reduce_thread_kernel(const ReduceParams<R> p) {
  const int64_t step = int64_t{gridDim.x} * blockDim.x;
  for (int64_t o = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; o < p.layout.outer; o += step) {
    const int64_t base = p.layout.base(o);
    auto acc = p.reducer.identity();
    for (int64_t r = 0; r < p.layout.inner; ++r)
      acc = R::combine(acc, p.reducer.load(o, base + p.layout.offset(r), r));
    p.reducer.store(o, acc);
  }
}

template <typename R> __global__ void reduce_block_kernel(const ReduceParams<R> p) {
  using BlockReduce = cub::BlockReduce<typename R::acc_type, kReduceBlock>;
  __shared__ typename BlockReduce::TempStorage temp;
  const int64_t tasks = p.layout.outer * p.splits;
  for (int64_t task = blockIdx.x; task < tasks; task += gridDim.x) {
    const int64_t o = task / p.splits;
    const int64_t begin = (task % p.splits) * p.chunk;
    const int64_t end = begin + p.chunk < p.layout.inner ? begin + p.chunk : p.layout.inner;
    const int64_t base = p.layout.base(o);
    auto acc = p.reducer.identity();
    for (int64_t r = begin + threadIdx.x; r < end; r += blockDim.x)
      acc = R::combine(acc, p.reducer.load(o, base + p.layout.offset(r), r));
    const auto total = BlockReduce(temp).Reduce(acc, CombineOf<R>{});
    if (threadIdx.x == 0) {
      if (p.splits == 1)
        p.reducer.store(o, total);
      else
        p.partials[task] = total;
    }
    __syncthreads();  // temp is reused by the next task
  }
}

template <typename R> __global__ void reduce_partials_kernel(const ReduceParams<R> p) {
  using BlockReduce = cub::BlockReduce<typename R::acc_type, kReduceBlock>;
  __shared__ typename BlockReduce::TempStorage temp;
  for (int64_t o = blockIdx.x; o < p.layout.outer; o += gridDim.x) {
    auto acc = p.reducer.identity();
    for (int64_t s = threadIdx.x; s < p.splits; s += blockDim.x)
      acc = R::combine(acc, p.partials[o * p.splits + s]);
    const auto total = BlockReduce(temp).Reduce(acc, CombineOf<R>{});
    if (threadIdx.x == 0) p.reducer.store(o, total);
    __syncthreads();
  }
}

template <typename R> void run(const ReduceLayout& layout, const R& reducer, const Device& device) {
  const ReducePlan plan = plan_reduction(layout.outer, layout.inner);
  ReduceParams<R> params{layout, reducer, plan.splits, plan.chunk, nullptr};
  set_device(device.index);
  const auto stream = static_cast<cudaStream_t>(Stream::current(device).handle());
  const auto blocks = static_cast<unsigned>(plan.blocks);
  if (plan.thread_per_output) {
    reduce_thread_kernel<<<blocks, kReduceBlock, 0, stream>>>(params);
    MINIDL_CUDA_CHECK_LAUNCH(reduce_thread_kernel);
    return;
  }
  Tensor partials;  // freed to the stream-ordered cache after the launches are queued
  if (plan.splits > 1) {
    const int64_t bytes = layout.outer * plan.splits * static_cast<int64_t>(sizeof(typename R::acc_type));
    partials = empty({bytes}, {.dtype = DType::UInt8, .device = device});
    params.partials = static_cast<typename R::acc_type*>(partials.data_ptr());
  }
  reduce_block_kernel<<<blocks, kReduceBlock, 0, stream>>>(params);
  MINIDL_CUDA_CHECK_LAUNCH(reduce_block_kernel);
  if (plan.splits == 1) return;
  const auto outputs = static_cast<unsigned>(grid_size(layout.outer, 1, kMaxBlocks));
  reduce_partials_kernel<<<outputs, kReduceBlock, 0, stream>>>(params);
  MINIDL_CUDA_CHECK_LAUNCH(reduce_partials_kernel);
}

}  // namespace

void sum(const ReduceLayout& layout, const Tensor& x, const Tensor& out, double scale) {
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = sum_acc_t<T>;
    using Out = std::conditional_t<std::is_floating_point_v<acc_t<T>>, T, int64_t>;
    run(layout,
        SumReducer<T, Acc, Out>{static_cast<const T*>(x.data_ptr()), static_cast<Out*>(out.data_ptr()),
                                scale},
        x.device());
  });
}

void var(const ReduceLayout& layout, const Tensor& x, const Tensor& out, double correction) {
  dispatch_floating(x.dtype(), "var", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = acc_t<T>;
    const Tensor means = empty({layout.outer}, {.dtype = dtype_of<Acc>, .device = x.device()});
    const T* xp = static_cast<const T*>(x.data_ptr());
    Acc* mp = static_cast<Acc*>(means.data_ptr());
    run(layout, SumReducer<T, Acc, Acc>{xp, mp, 1.0 / static_cast<double>(layout.inner)}, x.device());
    run(layout, VarReducer<T, Acc>{xp, mp, static_cast<T*>(out.data_ptr()), layout.inner, correction},
        x.device());
  });
}

void max(const ReduceLayout& layout, const Tensor& x, const Tensor& values, const Tensor& indices) {
  dispatch_floating(x.dtype(), "max", [&](auto tag) {
    using T = typename decltype(tag)::type;
    run(layout,
        MaxReducer<T>{static_cast<const T*>(x.data_ptr()), static_cast<T*>(values.data_ptr()),
                      static_cast<int64_t*>(indices.data_ptr())},
        x.device());
  });
}

}  // namespace minidl::kernels::cuda
