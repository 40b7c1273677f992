// Multi-tensor apply's packing (as in PyTorch's MultiTensorApply.cuh and apex), as plain
// host functions without CUDA headers so it is unit-tested on any machine: the tensors of
// one call (several lists: param, grad, state...) are cut into fixed-size chunks; each
// launch carries up to N tensors' pointers and up to M (tensor, chunk) work items, one
// CUDA block per item. A tensor may take 16-byte vector loads only if all its lists are aligned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "kernels/dispatch.h"

namespace minidl::kernels {

/// Bytes of kernel parameters a launch may pass (CUDA 12.1+, Volta and newer).
inline constexpr std::size_t kMaxKernelParamBytes = 32764;
/// Kept for the functor's own parameters and the chunk size, beside the packed lists.
inline constexpr std::size_t kFunctorParamBytes = 512;
/// Work items of one launch; an item costs 6 bytes (int32 chunk, uint16 tensor slot).
inline constexpr int kMaxWorkItems = 2048;
/// Most lists a multi-tensor kernel takes (Adam with amsgrad: param, grad, m, v, max v).
inline constexpr int kMaxLists = 5;
/// Vector loads are this many bytes wide.
inline constexpr std::size_t kVectorBytes = 16;

/// Tensors whose pointers fit in one launch of a kernel over `depth` lists: per tensor
/// `depth` pointers, its element count and its vector flag (8*depth + 9 bytes).
constexpr int max_tensors_per_launch(int depth) {
  const std::size_t items = static_cast<std::size_t>(kMaxWorkItems) * (sizeof(int32_t) + sizeof(uint16_t));
  const std::size_t per_tensor = 8 * static_cast<std::size_t>(depth) + sizeof(int64_t) + 1;
  return static_cast<int>((kMaxKernelParamBytes - kFunctorParamBytes - items) / per_tensor);
}

struct MultiTensorLimits {
  int max_tensors = 0;         // pointer slots of one launch
  int max_items = 0;           // work items of one launch
  int64_t chunk_size = 65536;  // elements per work item (the last chunk of a tensor may be shorter)
};

/// The tensors of one call: each tensor's element count and, per list, the address of
/// its first element (all lists have one entry per tensor; all elements are element_size bytes).
struct TensorListRefs {
  std::vector<int64_t> numel;
  std::vector<std::vector<void*>> addresses;  // [list][tensor]
  std::size_t element_size = 4;
};

/// One multi-tensor call as the backends receive it (arguments already checked).
struct MultiTensorCall {
  TensorListRefs refs;
  DType dtype = DType::Float32;
  Device device;
};

/// A tensor packed into a launch: its index in the caller's lists and whether every
/// list's pointer of it is 16-byte aligned (vector loads) or not (scalar loop).
struct PackedTensor {
  int64_t index = 0;
  bool vectorized = false;
  friend bool operator==(const PackedTensor&, const PackedTensor&) = default;
};

/// One block's work: elements [chunk*chunk_size, min((chunk+1)*chunk_size, numel)) of
/// the launch's tensor `slot`.
struct WorkItem {
  int32_t slot = 0;
  int64_t chunk = 0;
  friend bool operator==(const WorkItem&, const WorkItem&) = default;
};

struct LaunchPlan {
  std::vector<PackedTensor> tensors;
  std::vector<WorkItem> items;
};

/// True when every address is a multiple of kVectorBytes.
bool vector_aligned(const std::vector<void*>& addresses);

/// Packs the tensors into launches in order: tensors of 0 elements are skipped, a tensor
/// longer than one chunk spans several items (and, when a launch fills up, several
/// launches), and a launch is cut when its tensor slots or work items are full. Throws
/// ValueError on inconsistent lists or limits.
std::vector<LaunchPlan> plan_multi_tensor(const TensorListRefs& refs, const MultiTensorLimits& limits);

/// The chunk size of a CUDA call moving `total_numel` elements: the power of two in
/// [kMinChunk, kMaxChunk] giving about kTargetItems work items, so a 1M-element step
/// still spreads over hundreds of blocks while a 64M one fits in one launch.
inline constexpr int64_t kMinChunk = 2048;
inline constexpr int64_t kMaxChunk = 65536;
inline constexpr int64_t kTargetItems = 1024;
int64_t choose_chunk_size(int64_t total_numel);

/// Calls body(TypeTag<T>) with the element type a multi-tensor functor F runs on, the same rule
/// for both backends: every floating dtype when F::kAllFloating (EMA, clipping, unscale), else
/// float64 or float32 (optimizer steps; their entry points have checked the dtype).
template <typename F, typename Body> void dispatch_functor_dtype(DType dtype, Body&& body) {
  if constexpr (F::kAllFloating) {
    dispatch_floating(dtype, "multi_tensor_apply", body);
  } else if (dtype == DType::Float64) {
    body(TypeTag<double>{});
  } else {
    body(TypeTag<float>{});
  }
}

}  // namespace minidl::kernels
