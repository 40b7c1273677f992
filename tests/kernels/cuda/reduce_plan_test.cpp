// The CUDA reduction geometry (kernels/cuda/reduce_plan.h) as plain host arithmetic:
// every split covers its segment, there are never more than kMaxReduceSplits partials,
// and the modes switch where the rules say.
#include "kernels/cuda/reduce_plan.h"

#include <gtest/gtest.h>

namespace minidl::kernels::cuda {
namespace {

TEST(ReducePlan, ShortSegmentsGetAThreadEach) {
  const ReducePlan plan = plan_reduction(1000, kThreadReduceMaxInner);
  EXPECT_TRUE(plan.thread_per_output);
  EXPECT_EQ(plan.blocks, (1000 + kReduceBlock - 1) / kReduceBlock);
  EXPECT_TRUE(plan_reduction(5, 0).thread_per_output);  // empty segments: identity stored
}

TEST(ReducePlan, OneLongSegmentIsSplitAcrossTheGpu) {
  const ReducePlan plan = plan_reduction(1, int64_t{1} << 24);
  EXPECT_FALSE(plan.thread_per_output);
  EXPECT_EQ(plan.splits, kMaxReduceSplits);
  EXPECT_EQ(plan.chunk, (int64_t{1} << 24) / kMaxReduceSplits);
  EXPECT_EQ(plan.blocks, kMaxReduceSplits);
}

TEST(ReducePlan, ManyOutputsNeedNoSplit) {
  const ReducePlan plan = plan_reduction(100000, 1000);
  EXPECT_EQ(plan.splits, 1);
  EXPECT_EQ(plan.chunk, 1000);
  EXPECT_EQ(plan.blocks, kMaxBlocks);  // grid-stride over the rest
}

TEST(ReducePlan, SplitsCoverEverySegmentAndStayBounded) {
  for (int64_t outer : {1, 3, 8, 100, 5000})
    for (int64_t inner : {33, 257, 4096, 5000, 100000, 3000000}) {
      const ReducePlan plan = plan_reduction(outer, inner);
      ASSERT_FALSE(plan.thread_per_output);
      EXPECT_GE(plan.splits, 1);
      EXPECT_LE(plan.splits, kMaxReduceSplits);
      EXPECT_GE(plan.chunk * plan.splits, inner) << outer << " x " << inner;
      EXPECT_LE(plan.blocks, kMaxBlocks);
      // A split only when each block still gets a fair amount of work.
      if (plan.splits > 1) {
        EXPECT_GE(inner / plan.splits, kReduceBlock * kReduceItemsPerThread / 2);
      }
    }
}

}  // namespace
}  // namespace minidl::kernels::cuda
