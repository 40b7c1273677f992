// Launch geometry as plain host functions (no CUDA headers), so it is unit-tested
// on machines without a GPU.
#pragma once

#include <algorithm>
#include <cstdint>

namespace minidl::kernels::cuda {

/// Threads per block of the element-wise kernels.
inline constexpr int kBlockSize = 256;
/// The minimum resident blocks per SM the fused kernels declare in __launch_bounds__. With no
/// minimum, ptxas's register heuristic spilled some of them (12 bytes in fp32 SGD with momentum
/// on sm_80, 48 in the fp64 batch-norm finalize); with 1 they get the registers they need (at
/// most 84, fp64 AMSGrad) and spill nothing, which scripts/ptxas_spills.sh checks.
inline constexpr int kMinBlocksPerSm = 1;
/// Enough blocks to fill an H100 several times over; grid-stride loops cover the rest.
inline constexpr int kMaxBlocks = 132 * 32;

/// Blocks needed to give one thread to each of n_items, capped at max_blocks, at least 1.
inline int64_t grid_size(int64_t n_items, int block, int max_blocks) {
  const int64_t blocks = (n_items + block - 1) / block;
  return std::clamp<int64_t>(blocks, 1, max_blocks);
}

}  // namespace minidl::kernels::cuda
