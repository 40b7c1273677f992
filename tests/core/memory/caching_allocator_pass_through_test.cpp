// The caching allocator with caching off (MINIDL_NO_CUDA_MEMORY_CACHING): every request is
// its own backing allocation of exactly the requested size, freed at once, with the same
// statistics and out-of-memory error as the cached mode.
#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "core/memory/caching_allocator.h"
#include "fake_backing.h"

namespace minidl::detail {
namespace {
using namespace minidl::detail::test;

TEST(NoCachingRequested, AnyValueButEmptyAndZero) {
  EXPECT_FALSE(no_caching_requested(nullptr));
  EXPECT_FALSE(no_caching_requested(""));
  EXPECT_FALSE(no_caching_requested("0"));
  EXPECT_TRUE(no_caching_requested("1"));
  EXPECT_TRUE(no_caching_requested("yes"));
}

TEST(PassThroughCache, EveryRequestIsItsOwnExactSizedBackingAllocation) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test", CachePolicy::PassThrough);
  std::vector<void*> blocks;
  for (std::size_t nbytes : {1000u, 1000u, 3u, 5u * 1024 * 1024})
    blocks.push_back(cache.allocate(nbytes, kStreamA));
  EXPECT_EQ(backing.malloc_calls, 4);
  EXPECT_EQ(backing.live_bytes(), 2000u + 3u + 5 * kMiB);  // no rounding, no 2 MiB segments
  const MemoryStats stats = cache.stats();
  EXPECT_EQ(stats.allocated_bytes, 2003u + 5 * kMiB);
  EXPECT_EQ(stats.reserved_bytes, 2003u + 5 * kMiB);
  EXPECT_EQ(stats.num_backing_mallocs, 4u);
  EXPECT_EQ(stats.num_cache_hits, 0u);
  for (void* block : blocks) cache.deallocate(block);
  EXPECT_EQ(backing.free_calls, 4);  // freed at once, nothing kept
  EXPECT_EQ(backing.live_segments(), 0u);
  EXPECT_EQ(cache.stats().reserved_bytes, 0u);
  EXPECT_EQ(cache.stats().peak_reserved_bytes, 2003u + 5 * kMiB);
}

TEST(PassThroughCache, ZeroBytesStillGivesUniquePointers) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test", CachePolicy::PassThrough);
  void* a = cache.allocate(0, kStreamA);
  void* b = cache.allocate(0, kStreamA);
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a, b);
  cache.deallocate(a);
  cache.deallocate(b);
  cache.deallocate(b);
  EXPECT_EQ(cache.stats().num_invalid_frees, 1u);
  EXPECT_EQ(backing.free_calls, 2);
}

TEST(PassThroughCache, OutOfMemoryNamesTheSwitch) {
  FakeBacking backing(1 * kMiB);
  CachingAllocator cache(backing, "cuda:0", CachePolicy::PassThrough);
  try {
    cache.allocate(2 * kMiB, kStreamA);
    FAIL() << "expected OutOfMemoryError";
  } catch (const OutOfMemoryError& e) {
    EXPECT_NE(std::string(e.what()).find("cuda:0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("MINIDL_NO_CUDA_MEMORY_CACHING"), std::string::npos) << e.what();
  }
  EXPECT_EQ(cache.stats().num_ooms, 1u);
}

}  // namespace
}  // namespace minidl::detail
