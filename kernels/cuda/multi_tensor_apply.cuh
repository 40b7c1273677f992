// Multi-tensor apply on CUDA (after PyTorch's MultiTensorApply.cuh): the packed pointers
// and (tensor, chunk) work items of one launch travel in the kernel's parameter space
// (__grid_constant__, up to 32764 bytes on CUDA 12.1+), one block per work item. A tensor
// whose lists are all 16-byte aligned is read and written with 16-byte vectors plus a
// scalar tail; any other tensor takes a scalar loop. The packing is kernels/multi_tensor.h.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "kernels/dispatch.h"
#include "kernels/math/cast.h"
#include "kernels/multi_tensor.h"

namespace minidl::kernels::cuda {

/// Threads per block of the multi-tensor kernels.
inline constexpr int kMultiTensorBlock = 256;

/// The lists of one launch. Arrays of one type each, so nothing is lost to padding.
template <int D> struct MultiTensorMeta {
  static constexpr int kTensors = max_tensors_per_launch(D);
  void* ptrs[D][kTensors];
  int64_t numel[kTensors];
  int32_t item_chunk[kMaxWorkItems];
  uint16_t item_slot[kMaxWorkItems];
  uint8_t vectorized[kTensors];
};

/// The whole kernel argument: the packed lists, the functor and the chunk size.
template <typename F> struct MultiTensorArgs {
  MultiTensorMeta<F::kDepth> meta;
  int64_t chunk_size;
  F functor;
};

template <typename T> struct alignas(kVectorBytes) Vec {
  static constexpr int kSize = static_cast<int>(kVectorBytes / sizeof(T));
  T v[kSize];
};

/// Calls visit(r) for every element of this block's work item, r holding the element of
/// each of the D lists as A; afterwards the lists in kWriteMask are stored back.
template <typename T, int D, unsigned kWriteMask, typename Visit>
__device__ __forceinline__ void visit_work_item(const MultiTensorMeta<D>& meta, int64_t chunk_size,
                                                Visit&& visit) {
  using A = acc_t<T>;
  const int slot = meta.item_slot[blockIdx.x];
  const int64_t begin = int64_t{meta.item_chunk[blockIdx.x]} * chunk_size;
  const int n = static_cast<int>(min(chunk_size, meta.numel[slot] - begin));  // chunk_size <= 2^16
  T* ptr[D];
#pragma unroll
  for (int d = 0; d < D; ++d) ptr[d] = static_cast<T*>(meta.ptrs[d][slot]) + begin;
  int scalar_begin = 0;
  if (meta.vectorized[slot]) {
    constexpr int kVec = Vec<T>::kSize;
    const int n_vec = n / kVec;
    for (int v = threadIdx.x; v < n_vec; v += blockDim.x) {
      Vec<T> in[D];
#pragma unroll
      for (int d = 0; d < D; ++d) in[d] = reinterpret_cast<const Vec<T>*>(ptr[d])[v];
#pragma unroll
      for (int k = 0; k < kVec; ++k) {
        A r[D];
#pragma unroll
        for (int d = 0; d < D; ++d) r[d] = cast_value<A>(in[d].v[k]);
        visit(r);
#pragma unroll
        for (int d = 0; d < D; ++d)
          if ((kWriteMask >> d) & 1u) in[d].v[k] = cast_value<T>(r[d]);
      }
#pragma unroll
      for (int d = 0; d < D; ++d)
        if ((kWriteMask >> d) & 1u) reinterpret_cast<Vec<T>*>(ptr[d])[v] = in[d];
    }
    scalar_begin = n_vec * kVec;
  }
  for (int i = scalar_begin + threadIdx.x; i < n; i += blockDim.x) {
    A r[D];
#pragma unroll
    for (int d = 0; d < D; ++d) r[d] = cast_value<A>(ptr[d][i]);
    visit(r);
#pragma unroll
    for (int d = 0; d < D; ++d)
      if ((kWriteMask >> d) & 1u) ptr[d][i] = cast_value<T>(r[d]);
  }
}

/// Copies one launch's plan into the kernel argument.
template <int D>
void pack_launch(MultiTensorMeta<D>& meta, const LaunchPlan& launch, const TensorListRefs& refs) {
  for (std::size_t s = 0; s < launch.tensors.size(); ++s) {
    const auto t = static_cast<std::size_t>(launch.tensors[s].index);
    for (int d = 0; d < D; ++d) meta.ptrs[d][s] = refs.addresses[static_cast<std::size_t>(d)][t];
    meta.numel[s] = refs.numel[t];
    meta.vectorized[s] = launch.tensors[s].vectorized ? 1 : 0;
  }
  for (std::size_t i = 0; i < launch.items.size(); ++i) {
    meta.item_slot[i] = static_cast<uint16_t>(launch.items[i].slot);
    meta.item_chunk[i] = static_cast<int32_t>(launch.items[i].chunk);
  }
}

/// The packing of a CUDA call with D lists.
template <int D> std::vector<LaunchPlan> plan_cuda(const TensorListRefs& refs, int64_t* chunk_size) {
  int64_t total = 0;
  for (int64_t n : refs.numel) total += n;
  *chunk_size = choose_chunk_size(total);
  const MultiTensorLimits limits{
      .max_tensors = MultiTensorMeta<D>::kTensors, .max_items = kMaxWorkItems, .chunk_size = *chunk_size};
  return plan_multi_tensor(refs, limits);
}

}  // namespace minidl::kernels::cuda
