// Launch geometry of the CUDA kernels (kernels/cuda/launch.h): a host-only header,
// so it is tested on machines without a GPU and without the CUDA toolkit.
#include "kernels/cuda/launch.h"

#include <gtest/gtest.h>

namespace minidl::kernels::cuda {
namespace {

TEST(Launch, OneThreadPerItemRoundedUpToBlocks) {
  EXPECT_EQ(grid_size(1, 256, 100), 1);
  EXPECT_EQ(grid_size(256, 256, 100), 1);
  EXPECT_EQ(grid_size(257, 256, 100), 2);
  EXPECT_EQ(grid_size(1000, 128, 100), 8);
}

TEST(Launch, AtLeastOneBlock) { EXPECT_EQ(grid_size(0, 256, 100), 1); }

TEST(Launch, CappedAtMaxBlocksForGridStrideLoops) {
  EXPECT_EQ(grid_size(256 * 100, 256, 100), 100);
  EXPECT_EQ(grid_size(256 * 100 + 1, 256, 100), 100);
  EXPECT_EQ(grid_size(int64_t{1} << 40, kBlockSize, kMaxBlocks), kMaxBlocks);
}

TEST(Launch, DefaultsFitCudaLimits) {
  EXPECT_EQ(kBlockSize % 32, 0);  // whole warps
  EXPECT_LE(kBlockSize, 1024);
  EXPECT_LE(kMaxBlocks, 65535);  // within the y/z limit too, so any dimension can take it
}

}  // namespace
}  // namespace minidl::kernels::cuda
