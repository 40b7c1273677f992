// record_stream in the caching allocator's bookkeeping, with fake events: a block used by a
// second stream is reused only once that stream's work recorded at its free is done; the
// allocating stream itself needs no event; waiting paths (empty_cache, out of memory) wait.
#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "core/memory/caching_allocator.h"
#include "fake_backing.h"

namespace minidl::detail {
namespace {
using namespace minidl::detail::test;

TEST(CachingAllocatorRecordStream, ABlockWaitsForTheOtherStreamBeforeReuse) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  void* block = cache.allocate(4 * kKiB, kStreamA);
  cache.record_stream(block, kStreamB);
  cache.deallocate(block);
  EXPECT_EQ(backing.recorded_on, (std::vector<void*>{kStreamB}));
  EXPECT_EQ(cache.pending_frees(), 1u);
  void* other = cache.allocate(4 * kKiB, kStreamA);
  EXPECT_NE(other, block);  // still in use on stream B
  backing.complete_events();
  cache.deallocate(other);
  EXPECT_EQ(cache.allocate(4 * kKiB, kStreamA), block);  // B is done: reused at last
  EXPECT_EQ(cache.pending_frees(), 0u);
  EXPECT_EQ(backing.live_events(), 0u);  // released
  EXPECT_EQ(backing.waits, 0);
}

TEST(CachingAllocatorRecordStream, TheAllocatingStreamAndRepeatsNeedNoEvent) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  void* block = cache.allocate(1000, kStreamA);
  cache.record_stream(block, kStreamA);
  cache.deallocate(block);
  EXPECT_TRUE(backing.recorded_on.empty());
  EXPECT_EQ(cache.allocate(1000, kStreamA), block);
  cache.record_stream(block, kStreamB);
  cache.record_stream(block, kStreamB);
  cache.deallocate(block);
  EXPECT_EQ(backing.recorded_on.size(), 1u);  // one event per other stream
}

TEST(CachingAllocatorRecordStream, APendingBlockIsNotMergedIntoItsFreeNeighbours) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  void* a = cache.allocate(1000, kStreamA);
  void* b = cache.allocate(1000, kStreamA);
  cache.record_stream(a, kStreamB);
  cache.deallocate(a);
  cache.deallocate(b);
  // The segment is not whole again while `a` waits: empty_cache must not hand it back early...
  EXPECT_EQ(cache.pending_frees(), 1u);
  // ...and empty_cache waits for the event, then gives the whole segment back.
  cache.empty_cache();
  EXPECT_EQ(backing.waits, 1);
  EXPECT_EQ(cache.pending_frees(), 0u);
  EXPECT_EQ(backing.live_segments(), 0u);
}

TEST(CachingAllocatorRecordStream, OutOfMemoryWaitsForPendingBlocksBeforeGivingUp) {
  FakeBacking backing(4 * kMiB);
  CachingAllocator cache(backing, "test");
  void* big = cache.allocate(4 * kMiB, kStreamA);
  cache.record_stream(big, kStreamB);
  cache.deallocate(big);
  // Another stream asks for the memory: only after waiting for B and releasing the segment.
  void* again = cache.allocate(4 * kMiB, kStreamB);
  EXPECT_NE(again, nullptr);
  EXPECT_EQ(backing.waits, 1);
}

TEST(CachingAllocatorRecordStream, PassThroughFreesOnlyAfterTheEvent) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test", CachePolicy::PassThrough);
  void* block = cache.allocate(1000, kStreamA);
  cache.record_stream(block, kStreamB);
  cache.deallocate(block);
  EXPECT_EQ(backing.free_calls, 0);
  backing.complete_events();
  cache.allocate(10, kStreamA);  // processes the pending frees
  EXPECT_EQ(backing.free_calls, 1);
}

TEST(CachingAllocatorRecordStream, UnknownPointersAreRejected) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  int local = 0;
  EXPECT_THROW(cache.record_stream(&local, kStreamB), ValueError);
  void* block = cache.allocate(1000, kStreamA);
  cache.deallocate(block);
  EXPECT_THROW(cache.record_stream(block, kStreamB), ValueError);  // already freed
}

}  // namespace
}  // namespace minidl::detail
