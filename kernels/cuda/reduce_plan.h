// Launch geometry of the CUDA reductions as a host function (no CUDA headers), so it
// is unit-tested without a GPU. Short segments get a thread each; long ones a block
// each (cub::BlockReduce), cut into `splits` chunks when there are too few outputs to
// fill the GPU, whose partial results a second pass combines.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/cuda/launch.h"

namespace minidl::kernels::cuda {

/// Threads per block of the reduction kernels.
inline constexpr int kReduceBlock = 256;
/// Elements a thread should fold before a block is worth splitting further.
inline constexpr int64_t kReduceItemsPerThread = 16;
/// At most this many partials per output, so the second pass is one block's short loop.
inline constexpr int64_t kMaxReduceSplits = 1024;
/// Segments this short are folded by one thread each.
inline constexpr int64_t kThreadReduceMaxInner = 32;

struct ReducePlan {
  bool thread_per_output = false;
  int64_t splits = 1;  // blocks per output (block mode)
  int64_t chunk = 0;   // elements per split
  int64_t blocks = 1;  // grid of the first pass (grid-stride over its tasks)
};

/// The plan for `outer` outputs of `inner` elements each.
inline ReducePlan plan_reduction(int64_t outer, int64_t inner, int64_t max_blocks = kMaxBlocks) {
  ReducePlan plan;
  if (inner <= kThreadReduceMaxInner) {
    plan.thread_per_output = true;
    plan.chunk = inner;
    plan.blocks = grid_size(outer, kReduceBlock, static_cast<int>(max_blocks));
    return plan;
  }
  const int64_t worth =
      (inner + kReduceBlock * kReduceItemsPerThread - 1) / (kReduceBlock * kReduceItemsPerThread);
  const int64_t room = std::max<int64_t>(1, max_blocks / std::max<int64_t>(outer, 1));
  plan.splits = std::clamp<int64_t>(std::min(worth, room), 1, kMaxReduceSplits);
  plan.chunk = (inner + plan.splits - 1) / plan.splits;
  plan.blocks = std::clamp<int64_t>(outer * plan.splits, 1, max_blocks);
  return plan;
}

}  // namespace minidl::kernels::cuda
