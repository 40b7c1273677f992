// Launch geometry as plain host functions (no CUDA headers), so it is unit-tested
// on machines without a GPU.
#pragma once

#include <algorithm>
#include <cstdint>

namespace minidl::kernels::cuda {

/// Threads per block of the element-wise kernels.
inline constexpr int kBlockSize = 256;
/// Enough blocks to fill an H100 several times over; grid-stride loops cover the rest.
inline constexpr int kMaxBlocks = 132 * 32;

/// Blocks needed to give one thread to each of n_items, capped at max_blocks, at least 1.
inline int64_t grid_size(int64_t n_items, int block, int max_blocks) {
  const int64_t blocks = (n_items + block - 1) / block;
  return std::clamp<int64_t>(blocks, 1, max_blocks);
}

}  // namespace minidl::kernels::cuda
