// The one CUDA element-wise kernel: a grid-stride loop applying a functor of
// kernels/math/elementwise.h to up to three inputs laid out by MapLayout, computing in
// acc_t (float for 16-bit floats) and writing In or bool. Contiguous operands go by
// 16-byte vectors when aligned (map_vector_width) with a scalar tail, else by flat
// index; strided ones by one shared div/mod walk for all operands. .cu files only.
#pragma once

#include <cuda_runtime.h>

#include <array>
#include <vector>

#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"
#include "kernels/dispatch.h"
#include "kernels/map_layout.h"
#include "kernels/math/cast.h"

namespace minidl::kernels::cuda::detail {

template <typename In, int N, typename Fn> struct MapParams {
  MapLayout layout;
  const In* in[N];
  void* out;
  Fn fn;
  int vector_width;  // 16 / sizeof(In) when every pointer is aligned for it, else 1
};

/// kWidth elements moved as one aligned access.
template <typename T, int kWidth> struct alignas(sizeof(T) * kWidth) Pack { T v[kWidth]; };

// Elements [v * kWidth, (v + 1) * kWidth) by vector loads and one vector store.
template <typename Out, typename Acc, int kWidth, typename In, int N, typename Fn>
__device__ __forceinline__ void apply_pack(const MapParams<In, N, Fn>& p, Out* out, int64_t v) {
  Pack<In, kWidth> in[N];
  for (int k = 0; k < N; ++k) in[k] = reinterpret_cast<const Pack<In, kWidth>*>(p.in[k])[v];
  Pack<Out, kWidth> result;
#pragma unroll
  for (int j = 0; j < kWidth; ++j) {
    if constexpr (N == 1)
      result.v[j] = cast_value<Out>(p.fn(cast_value<Acc>(in[0].v[j])));
    else if constexpr (N == 2)
      result.v[j] = cast_value<Out>(p.fn(cast_value<Acc>(in[0].v[j]), cast_value<Acc>(in[1].v[j])));
    else
      result.v[j] = cast_value<Out>(
          p.fn(cast_value<Acc>(in[0].v[j]), cast_value<Acc>(in[1].v[j]), cast_value<Acc>(in[2].v[j])));
  }
  reinterpret_cast<Pack<Out, kWidth>*>(out)[v] = result;
}

template <typename Acc, typename In, int N, typename Fn>
__device__ __forceinline__ auto apply(const MapParams<In, N, Fn>& p, const int64_t* off) {
  if constexpr (N == 1)
    return p.fn(cast_value<Acc>(p.in[0][off[0]]));
  else if constexpr (N == 2)
    return p.fn(cast_value<Acc>(p.in[0][off[0]]), cast_value<Acc>(p.in[1][off[1]]));
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
  const int64_t first = blockIdx.x * int64_t{blockDim.x} + threadIdx.x;
  constexpr int kWidth = sizeof(In) < 16 ? static_cast<int>(16 / sizeof(In)) : 1;
  if constexpr (kWidth > 1) {
    if (p.vector_width == kWidth) {
      const int64_t packs = n / kWidth;
      for (int64_t v = first; v < packs; v += step) apply_pack<Out, Acc, kWidth>(p, out, v);
      for (int64_t i = packs * kWidth + first; i < n; i += step) {  // the tail, < kWidth elements
        int64_t flat[N];
        for (int k = 0; k < N; ++k) flat[k] = i;
        out[i] = cast_value<Out>(apply<Acc>(p, flat));
      }
      return;
    }
  }
  if (p.layout.contiguous) {
    for (int64_t i = first; i < n; i += step) {
      int64_t flat[N];
      for (int k = 0; k < N; ++k) flat[k] = i;
      out[i] = cast_value<Out>(apply<Acc>(p, flat));
    }
    return;
  }
  for (int64_t i = first; i < n; i += step) {
    int64_t off[N + 1];
    p.layout.template offsets<N + 1>(i, off);
    out[off[0]] = cast_value<Out>(apply<Acc>(p, off + 1));
  }
}

/// out = fn(inputs...) on the current stream of out's device.
template <typename In, int N, typename Fn>
void launch_map(const MapLayout& layout, const std::array<const Tensor*, N>& inputs, const Tensor& out,
                Fn fn) {
  using Out = map_out_t<In, N, Fn>;
  MapParams<In, N, Fn> params{layout, {}, out.data_ptr(), fn, 1};
  std::vector<const void*> pointers;
  for (int k = 0; k < N; ++k) {
    params.in[k] = static_cast<const In*>(inputs[k]->data_ptr());
    pointers.push_back(params.in[k]);
  }
  params.vector_width = map_vector_width(layout, pointers, params.out, sizeof(In), sizeof(Out));
  set_device(out.device().index);
  const auto stream = static_cast<cudaStream_t>(Stream::current(out.device()).handle());
  const int64_t items = (layout.numel + params.vector_width - 1) / params.vector_width;
  const auto grid = static_cast<unsigned>(grid_size(items, kBlockSize, kMaxBlocks));
  map_kernel<Out, In, N, Fn><<<grid, kBlockSize, 0, stream>>>(params);
  MINIDL_CUDA_CHECK_LAUNCH(map_kernel);
}

}  // namespace minidl::kernels::cuda::detail
