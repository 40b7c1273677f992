// Tests of the caching allocator's host bookkeeping (core/memory/caching_allocator.*):
// size classes, reuse without backing calls, best fit, splitting and merging, streams,
// empty_cache and statistics. Failure paths and stress: caching_allocator_oom_test.cpp.
#include "core/memory/caching_allocator.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "fake_backing.h"

namespace minidl::detail {
namespace {
using namespace minidl::detail::test;

TEST(CachingAllocatorRules, RoundSizeToMultiplesOf512) {
  EXPECT_EQ(round_size(0), 512u);
  EXPECT_EQ(round_size(1), 512u);
  EXPECT_EQ(round_size(512), 512u);
  EXPECT_EQ(round_size(513), 1024u);
  EXPECT_EQ(round_size(1000), 1024u);
  EXPECT_EQ(round_size(kMiB), kMiB);
  EXPECT_EQ(round_size(kMiB + 1), kMiB + 512);
}

TEST(CachingAllocatorRules, SmallPoolHoldsRequestsUpToOneMiB) {
  EXPECT_TRUE(is_small_request(512));
  EXPECT_TRUE(is_small_request(kMiB));
  EXPECT_FALSE(is_small_request(kMiB + 512));
}

TEST(CachingAllocatorRules, SegmentSizes) {
  EXPECT_EQ(segment_size(512), 2 * kMiB);
  EXPECT_EQ(segment_size(kMiB), 2 * kMiB);
  EXPECT_EQ(segment_size(kMiB + 512), 2 * kMiB);
  EXPECT_EQ(segment_size(2 * kMiB), 2 * kMiB);
  EXPECT_EQ(segment_size(2 * kMiB + 512), 4 * kMiB);
  EXPECT_EQ(segment_size(9 * kMiB), 10 * kMiB);
}

TEST(CachingAllocatorRules, SplitKeepsTailsThatStayInTheirPool) {
  EXPECT_TRUE(should_split(1024, 512, true));
  EXPECT_FALSE(should_split(1024, 1024, true));
  EXPECT_TRUE(should_split(2 * kMiB, kMiB, true));
  EXPECT_FALSE(should_split(4 * kMiB, 3 * kMiB, false));  // a 1 MiB tail would be a small block
  EXPECT_TRUE(should_split(4 * kMiB, 3 * kMiB - 512, false));
  EXPECT_FALSE(should_split(2 * kMiB, 2 * kMiB, false));
}

TEST(CachingAllocator, SmallAllocationsShareOneSegment) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  std::vector<void*> blocks;
  for (int i = 0; i < 100; ++i) blocks.push_back(cache.allocate(1000, kStreamA));
  for (int i = 1; i < 100; ++i) EXPECT_EQ(bytes(blocks[i]) - bytes(blocks[i - 1]), 1024);
  const MemoryStats stats = cache.stats();
  EXPECT_EQ(backing.malloc_calls, 1);
  EXPECT_EQ(stats.num_backing_mallocs, 1u);
  EXPECT_EQ(stats.allocated_bytes, 100 * 1024u);
  EXPECT_EQ(stats.reserved_bytes, 2 * kMiB);
  EXPECT_EQ(stats.num_allocs, 100u);
  EXPECT_EQ(stats.num_cache_hits, 99u);
  for (void* block : blocks) cache.deallocate(block);
}

TEST(CachingAllocator, FreedBlockIsReusedWithoutBackingCall) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  void* first = cache.allocate(4096, kStreamA);
  std::memset(first, 7, 4096);
  cache.deallocate(first);
  void* second = cache.allocate(4000, kStreamA);
  EXPECT_EQ(second, first);
  EXPECT_EQ(backing.malloc_calls, 1);
  EXPECT_EQ(cache.stats().num_cache_hits, 1u);
  cache.deallocate(second);
  EXPECT_EQ(backing.free_calls, 0);  // freeing only returns blocks to the cache
}

TEST(CachingAllocator, ZeroBytesGivesUniqueValidPointers) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  void* a = cache.allocate(0, kStreamA);
  void* b = cache.allocate(0, kStreamA);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a, b);
  EXPECT_EQ(cache.stats().allocated_bytes, 2 * kMinBlockSize);
  cache.deallocate(a);
  cache.deallocate(b);
  EXPECT_EQ(cache.stats().allocated_bytes, 0u);
}

TEST(CachingAllocator, FreedNeighboursMergeIntoOneBlock) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  void* a = cache.allocate(256 * kKiB, kStreamA);
  void* b = cache.allocate(256 * kKiB, kStreamA);
  void* c = cache.allocate(256 * kKiB, kStreamA);
  ASSERT_EQ(bytes(b), bytes(a) + 256 * kKiB);  // carved from one segment, in order
  cache.deallocate(b);
  cache.deallocate(a);
  // Only the merged a+b run fits better than the 1.25 MiB tail behind c.
  EXPECT_EQ(cache.allocate(512 * kKiB, kStreamA), a);
  EXPECT_EQ(backing.malloc_calls, 1);
  cache.deallocate(a);
  cache.deallocate(c);
  // Everything merged back into the whole segment, so it can be given back.
  cache.empty_cache();
  EXPECT_EQ(backing.free_calls, 1);
  EXPECT_EQ(backing.live_segments(), 0u);
  EXPECT_EQ(cache.stats().reserved_bytes, 0u);
}

TEST(CachingAllocator, BestFitPicksTheSmallestFreeBlockThatFits) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  void* big = cache.allocate(8 * kKiB, kStreamA);
  void* fence1 = cache.allocate(512, kStreamA);
  void* small = cache.allocate(4 * kKiB, kStreamA);
  void* fence2 = cache.allocate(512, kStreamA);
  cache.deallocate(big);
  cache.deallocate(small);
  EXPECT_EQ(cache.allocate(4 * kKiB, kStreamA), small);
  void* split = cache.allocate(6 * kKiB, kStreamA);
  EXPECT_EQ(split, big);
  // The 2 KiB left of the 8 KiB block is a free block of its own.
  EXPECT_EQ(cache.allocate(2 * kKiB, kStreamA), bytes(big) + 6 * kKiB);
  EXPECT_EQ(backing.malloc_calls, 1);
  (void)fence1;
  (void)fence2;
}

TEST(CachingAllocator, LargeRequestsGetSegmentsRoundedTo2MiB) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  void* a = cache.allocate(3 * kMiB, kStreamA);
  EXPECT_EQ(cache.stats().reserved_bytes, 4 * kMiB);
  EXPECT_EQ(cache.stats().allocated_bytes, 4 * kMiB);  // the 1 MiB tail stays with the block
  void* b = cache.allocate(kMiB + 1, kStreamA);
  EXPECT_EQ(cache.stats().reserved_bytes, 6 * kMiB);
  EXPECT_EQ(backing.malloc_calls, 2);
  cache.deallocate(a);
  cache.deallocate(b);
}

TEST(CachingAllocator, LargeFreeBlockIsSplitForSmallerLargeRequests) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  cache.deallocate(cache.allocate(10 * kMiB, kStreamA));
  void* a = cache.allocate(3 * kMiB, kStreamA);
  void* b = cache.allocate(6 * kMiB, kStreamA);
  EXPECT_EQ(bytes(b), bytes(a) + 3 * kMiB);
  EXPECT_EQ(backing.malloc_calls, 1);
  EXPECT_EQ(cache.stats().allocated_bytes, 10 * kMiB);  // b keeps the 1 MiB tail
  // Small requests never come out of the large pool.
  void* small = cache.allocate(kKiB, kStreamA);
  EXPECT_EQ(backing.malloc_calls, 2);
  cache.deallocate(small);
  cache.deallocate(a);
  cache.deallocate(b);
}

TEST(CachingAllocator, StreamsDoNotShareBlocks) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  void* on_a = cache.allocate(4096, kStreamA);
  cache.deallocate(on_a);
  void* on_b = cache.allocate(4096, kStreamB);
  EXPECT_NE(on_b, on_a);
  EXPECT_EQ(backing.malloc_calls, 2);
  EXPECT_EQ(cache.allocate(4096, kStreamA), on_a);
  EXPECT_EQ(backing.malloc_calls, 2);
}

TEST(CachingAllocator, EmptyCacheReleasesOnlyFullyFreeSegments) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  void* small = cache.allocate(kKiB, kStreamA);
  void* large = cache.allocate(5 * kMiB, kStreamA);
  cache.deallocate(large);
  EXPECT_EQ(cache.stats().reserved_bytes, 8 * kMiB);
  cache.empty_cache();
  EXPECT_EQ(backing.free_calls, 1);
  EXPECT_EQ(backing.live_bytes(), 2 * kMiB);
  const MemoryStats stats = cache.stats();
  EXPECT_EQ(stats.reserved_bytes, 2 * kMiB);
  EXPECT_EQ(stats.num_backing_frees, 1u);
  EXPECT_EQ(stats.allocated_bytes, kKiB);
  cache.deallocate(small);
}

TEST(CachingAllocator, PeaksFollowTheHighestValuesUntilReset) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  void* a = cache.allocate(100 * kKiB, kStreamA);
  void* b = cache.allocate(200 * kKiB, kStreamA);
  void* c = cache.allocate(3 * kMiB, kStreamA);  // a 4 MiB block in a 4 MiB segment
  cache.deallocate(c);
  cache.empty_cache();
  MemoryStats stats = cache.stats();
  EXPECT_EQ(stats.allocated_bytes, 300 * kKiB);
  EXPECT_EQ(stats.peak_allocated_bytes, 300 * kKiB + 4 * kMiB);
  EXPECT_EQ(stats.reserved_bytes, 2 * kMiB);
  EXPECT_EQ(stats.peak_reserved_bytes, 6 * kMiB);
  EXPECT_EQ(stats.num_allocs, 3u);
  EXPECT_EQ(stats.num_frees, 1u);
  cache.reset_peak();
  stats = cache.stats();
  EXPECT_EQ(stats.peak_allocated_bytes, 300 * kKiB);
  EXPECT_EQ(stats.peak_reserved_bytes, 2 * kMiB);
  cache.deallocate(a);
  EXPECT_EQ(cache.stats().peak_allocated_bytes, 300 * kKiB);
  cache.deallocate(b);
}

}  // namespace
}  // namespace minidl::detail
