// CUDA kernels of the fused optimizer steps, EMA, gradient clipping and unscaling: one
// multi-tensor launch per call (kernels/cuda/multi_tensor_apply.cuh), the per-element
// math of kernels/math/optim_functors.h shared with the CPU loops. Clipping's sum of
// squares is deterministic: one partial per work item (CUB block reduction), then one
// block sums the partials in a fixed order; the scale is computed on the device.
#include <cub/block/block_reduce.cuh>
#include <memory>

#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "core/tensor.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/multi_tensor_apply.cuh"
#include "kernels/cuda/optim.h"

namespace minidl::kernels::cuda {
namespace {

template <typename T, typename F>
__global__ void __launch_bounds__(kMultiTensorBlock, kMinBlocksPerSm)
    multi_tensor_kernel(const __grid_constant__ MultiTensorArgs<F> args) {
  using A = acc_t<T>;
  const auto op = args.functor.template bind<A>();  // may read lr and t from device memory
  if constexpr (SkippableBound<decltype(op)>) {
    if (op.skip()) return;
  }
  bool finite = true;
  visit_work_item<T, F::kDepth, F::kWriteMask>(args.meta, args.chunk_size,
                                               [&](A(&r)[F::kDepth]) { finite = op(r) && finite; });
  if constexpr (F::kFlagsNonFinite) {
    if (!finite) *args.functor.found_inf = 1.0f;  // every writer stores the same value
  }
}

// The argument type of the sum-of-squares kernel: reads one list (kDepth), writes none.
struct SquaresFunctor {
  static constexpr int kDepth = 1;
  double* partials = nullptr;  // one per work item of this launch
};

template <typename T>
__global__ void __launch_bounds__(kMultiTensorBlock, kMinBlocksPerSm)
    sum_squares_kernel(const __grid_constant__ MultiTensorArgs<SquaresFunctor> args) {
  using A = acc_t<T>;
  double sum = 0.0;
  visit_work_item<T, 1, 0u>(args.meta, args.chunk_size, [&](A(&r)[1]) {
    const auto g = static_cast<double>(r[0]);
    sum += g * g;
  });
  using Reduce = cub::BlockReduce<double, kMultiTensorBlock>;
  __shared__ typename Reduce::TempStorage temp;
  const double block_sum = Reduce(temp).Sum(sum);
  if (threadIdx.x == 0) args.functor.partials[blockIdx.x] = block_sum;
}

constexpr int kFinalBlock = 1024;

__global__ void __launch_bounds__(kFinalBlock)
    sum_partials_kernel(const double* partials, int64_t n, double* stats) {
  double sum = 0.0;
  for (int64_t i = threadIdx.x; i < n; i += kFinalBlock) sum += partials[i];
  using Reduce = cub::BlockReduce<double, kFinalBlock>;
  __shared__ typename Reduce::TempStorage temp;
  const double total = Reduce(temp).Sum(sum);
  if (threadIdx.x == 0) {
    stats[0] = total;
    stats[1] = ::sqrt(total);
  }
}

cudaStream_t stream_of(const MultiTensorCall& call) {
  set_device(call.device.index);
  return static_cast<cudaStream_t>(Stream::current(call.device).handle());
}

template <typename T, typename F> void launch_typed(const MultiTensorCall& call, const F& functor) {
  static_assert(sizeof(MultiTensorArgs<F>) <= kMaxKernelParamBytes, "kernel parameters too large");
  auto args = std::make_unique<MultiTensorArgs<F>>();  // ~32 KB: off the host stack
  const std::vector<LaunchPlan> launches = plan_cuda<F::kDepth>(call.refs, &args->chunk_size);
  args->functor = functor;
  const cudaStream_t stream = stream_of(call);
  for (const LaunchPlan& launch : launches) {
    pack_launch(args->meta, launch, call.refs);
    const auto grid = static_cast<unsigned>(launch.items.size());
    multi_tensor_kernel<T, F><<<grid, kMultiTensorBlock, 0, stream>>>(*args);
    MINIDL_CUDA_CHECK_LAUNCH(multi_tensor_kernel);
  }
}

}  // namespace

template <typename F> void multi_tensor_apply(const MultiTensorCall& call, const F& functor) {
  dispatch_functor_dtype<F>(call.dtype,
                            [&](auto tag) { launch_typed<typename decltype(tag)::type>(call, functor); });
}

void sum_of_squares(const MultiTensorCall& call, double* stats) {
  static_assert(sizeof(MultiTensorArgs<SquaresFunctor>) <= kMaxKernelParamBytes,
                "kernel parameters too large");
  auto args = std::make_unique<MultiTensorArgs<SquaresFunctor>>();
  const std::vector<LaunchPlan> launches = plan_cuda<1>(call.refs, &args->chunk_size);
  int64_t n_items = 0;
  for (const LaunchPlan& launch : launches) n_items += static_cast<int64_t>(launch.items.size());
  const Tensor partials = empty({n_items}, {.dtype = DType::Float64, .device = call.device});
  const cudaStream_t stream = stream_of(call);
  dispatch_floating(call.dtype, "sum_of_squares", [&](auto tag) {
    using T = typename decltype(tag)::type;
    int64_t offset = 0;
    for (const LaunchPlan& launch : launches) {
      pack_launch(args->meta, launch, call.refs);
      args->functor.partials = partials.data<double>() + offset;
      const auto grid = static_cast<unsigned>(launch.items.size());
      sum_squares_kernel<T><<<grid, kMultiTensorBlock, 0, stream>>>(*args);
      MINIDL_CUDA_CHECK_LAUNCH(sum_squares_kernel);
      offset += static_cast<int64_t>(launch.items.size());
    }
  });
  sum_partials_kernel<<<1, kFinalBlock, 0, stream>>>(partials.data<double>(), n_items, stats);
  MINIDL_CUDA_CHECK_LAUNCH(sum_partials_kernel);
}

#define MINIDL_INSTANTIATE(...) template void multi_tensor_apply(const MultiTensorCall&, const __VA_ARGS__&);
MINIDL_FOR_EACH_MULTI_TENSOR_FUNCTOR(MINIDL_INSTANTIATE)
#undef MINIDL_INSTANTIATE

}  // namespace minidl::kernels::cuda
