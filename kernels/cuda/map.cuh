// The one CUDA element-wise kernel: a grid-stride loop applying a functor of
// kernels/math/elementwise.h to up to three inputs laid out by MapLayout (flat index
// when contiguous, else one shared div/mod walk for all operands), computing in
// acc_t (float for 16-bit floats) and writing In or bool. Included by .cu files only.
#pragma once

#include <cuda_runtime.h>

#include <array>

#include "core/stream.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/runtime.h"
#include "kernels/dispatch.h"
#include "kernels/map_layout.h"
#include "kernels/math/cast.h"

namespace minidl::kernels::cuda::detail {

template <typename In, int N, typename Fn>
struct MapParams {
  MapLayout layout;
  const In* in[N];
  void* out;
  Fn fn;
};

template <typename Acc, typename In, int N, typename Fn>
__device__ __forceinline__ auto apply(const MapParams<In, N, Fn>& p, const int64_t* off) {
  if constexpr (N == 1) return p.fn(cast_value<Acc>(p.in[0][off[0]]));
  else if constexpr (N == 2) return p.fn(cast_value<Acc>(p.in[0][off[0]]), cast_value<Acc>(p.in[1][off[1]]));
  else
    return p.fn(cast_value<Acc>(p.in[0][off[0]]), cast_value<Acc>(p.in[1][off[1]]),
                cast_value<Acc>(p.in[2][off[2]]));
}

template <typename Out, typename In, int N, typename Fn>
__global__ void map_kernel(const MapParams<In, N, Fn> p) {
  using Acc = acc_t<In>;
  Out* out = static_cast<Out*>(p.out);
  const int64_t n = p.layout.numel;
  const int64_t step = int64_t{gridDim.x} * blockDim.x;
  if (p.layout.contiguous) {
    for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += step) {
      int64_t flat[N];
      for (int k = 0; k < N; ++k) flat[k] = i;
      out[i] = cast_value<Out>(apply<Acc>(p, flat));
    }
    return;
  }
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += step) {
    int64_t off[N + 1];
    p.layout.template offsets<N + 1>(i, off);
    out[off[0]] = cast_value<Out>(apply<Acc>(p, off + 1));
  }
}

/// out = fn(inputs...) on the current stream of out's device.
template <typename In, int N, typename Fn>
void launch_map(const MapLayout& layout, const std::array<const Tensor*, N>& inputs, const Tensor& out, Fn fn) {
  using Out = map_out_t<In, N, Fn>;
  MapParams<In, N, Fn> params{layout, {}, out.data_ptr(), fn};
  for (int k = 0; k < N; ++k) params.in[k] = static_cast<const In*>(inputs[k]->data_ptr());
  set_device(out.device().index);
  const auto stream = static_cast<cudaStream_t>(Stream::current(out.device()).handle());
  const auto grid = static_cast<unsigned>(grid_size(layout.numel, kBlockSize, kMaxBlocks));
  map_kernel<Out, In, N, Fn><<<grid, kBlockSize, 0, stream>>>(params);
  MINIDL_CUDA_CHECK_LAUNCH(map_kernel);
}

}  // namespace minidl::kernels::cuda::detail
