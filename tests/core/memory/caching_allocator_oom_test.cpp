// Tests of the caching allocator's failure paths and concurrency
// (core/memory/caching_allocator.*): OOM recovery and reporting, bad frees, random
// traffic that must merge back whole, and threads sharing one allocator.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "core/error.h"
#include "core/memory/caching_allocator.h"
#include "fake_backing.h"

namespace minidl::detail {
namespace {
using namespace minidl::detail::test;

TEST(CachingAllocator, OutOfMemoryReleasesTheCacheAndRetries) {
  FakeBacking backing(6 * kMiB);
  CachingAllocator cache(backing, "test");
  cache.deallocate(cache.allocate(3 * kMiB, kStreamB));  // a cached 4 MiB segment
  void* big = cache.allocate(3 * kMiB, kStreamA);        // other stream: needs 4 more MiB
  ASSERT_NE(big, nullptr);
  const MemoryStats stats = cache.stats();
  EXPECT_EQ(backing.malloc_calls, 3);  // first try, the failed one, the retry
  EXPECT_EQ(stats.num_backing_mallocs, 2u);
  EXPECT_EQ(stats.num_backing_frees, 1u);
  EXPECT_EQ(stats.reserved_bytes, 4 * kMiB);
  EXPECT_EQ(stats.num_ooms, 0u);
  cache.deallocate(big);
}

TEST(CachingAllocator, OutOfMemoryTwiceThrowsWithSizeAndStats) {
  FakeBacking backing(4 * kMiB);
  CachingAllocator cache(backing, "test:0");
  void* held = cache.allocate(kKiB, kStreamA);
  const std::size_t request = 5 * kMiB;
  try {
    cache.allocate(request, kStreamA);
    FAIL() << "expected OutOfMemoryError";
  } catch (const OutOfMemoryError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("test:0"), std::string::npos) << message;
    EXPECT_NE(message.find(std::to_string(request) + " bytes"), std::string::npos) << message;
    EXPECT_NE(message.find("5.00 MiB"), std::string::npos) << message;
    EXPECT_NE(message.find("reserved 2.00 MiB"), std::string::npos) << message;
  }
  EXPECT_EQ(backing.malloc_calls, 3);
  EXPECT_EQ(cache.stats().num_ooms, 1u);
  // Still usable afterwards.
  void* after = cache.allocate(kKiB, kStreamA);
  EXPECT_NE(after, nullptr);
  cache.deallocate(after);
  cache.deallocate(held);
}

TEST(CachingAllocator, AbsurdSizeThrowsWithoutAskingTheBacking) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  EXPECT_THROW(cache.allocate(static_cast<std::size_t>(-1), kStreamA), OutOfMemoryError);
  EXPECT_EQ(backing.malloc_calls, 0);
  EXPECT_EQ(cache.stats().num_ooms, 1u);
}

TEST(CachingAllocator, BadFreesAreIgnoredAndCounted) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  EXPECT_NO_THROW(cache.deallocate(nullptr));
  EXPECT_EQ(cache.stats().num_invalid_frees, 0u);
  int not_from_cache = 0;
  EXPECT_NO_THROW(cache.deallocate(&not_from_cache));
  void* block = cache.allocate(kKiB, kStreamA);
  cache.deallocate(block);
  EXPECT_NO_THROW(cache.deallocate(block));  // double free
  const MemoryStats stats = cache.stats();
  EXPECT_EQ(stats.num_invalid_frees, 2u);
  EXPECT_EQ(stats.num_frees, 1u);
  EXPECT_EQ(stats.allocated_bytes, 0u);
}

TEST(CachingAllocator, DestructorReturnsFreeSegments) {
  FakeBacking backing;
  {
    CachingAllocator cache(backing, "test");
    cache.deallocate(cache.allocate(kKiB, kStreamA));
    cache.deallocate(cache.allocate(10 * kMiB, kStreamB));
  }
  EXPECT_EQ(backing.malloc_calls, 2);
  EXPECT_EQ(backing.free_calls, 2);
  EXPECT_EQ(backing.live_segments(), 0u);
}

// Random traffic: live blocks never overlap, and once everything is freed every
// segment has merged back whole (empty_cache gives back all of them).
TEST(CachingAllocator, RandomTrafficKeepsBlocksDisjointAndMergesBack) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  std::mt19937 rng(1234);
  std::uniform_int_distribution<std::size_t> small_size(0, 300 * kKiB);
  std::uniform_int_distribution<std::size_t> large_size(kMiB, 12 * kMiB);
  std::map<char*, std::size_t> live;  // start -> requested bytes
  std::size_t requested = 0;
  for (int step = 0; step < 3000; ++step) {
    if (live.empty() || (live.size() < 150 && rng() % 2 == 0)) {
      const std::size_t size = rng() % 8 == 0 ? large_size(rng) : small_size(rng);
      void* stream = rng() % 2 == 0 ? kStreamA : kStreamB;
      char* ptr = bytes(cache.allocate(size, stream));
      const auto after = live.upper_bound(ptr);
      if (after != live.end()) {
        ASSERT_LE(ptr + size, after->first);
      }
      if (after != live.begin()) {
        ASSERT_LE(std::prev(after)->first + std::prev(after)->second, ptr);
      }
      live[ptr] = size;
      requested += size;
    } else {
      auto victim = std::next(live.begin(), static_cast<long>(rng() % live.size()));
      requested -= victim->second;
      cache.deallocate(victim->first);
      live.erase(victim);
    }
    ASSERT_GE(cache.stats().allocated_bytes, requested);
    ASSERT_LE(cache.stats().allocated_bytes, cache.stats().reserved_bytes);
  }
  for (const auto& [ptr, size] : live) cache.deallocate(ptr);
  cache.empty_cache();
  const MemoryStats stats = cache.stats();
  EXPECT_EQ(stats.allocated_bytes, 0u);
  EXPECT_EQ(stats.reserved_bytes, 0u);
  EXPECT_EQ(stats.num_backing_frees, stats.num_backing_mallocs);
  EXPECT_EQ(stats.num_allocs, stats.num_frees);
  EXPECT_GT(stats.num_cache_hits, stats.num_backing_mallocs);
  EXPECT_EQ(backing.live_segments(), 0u);
}

TEST(CachingAllocator, ConcurrentThreadsGetDisjointBlocks) {
  FakeBacking backing;
  CachingAllocator cache(backing, "test");
  auto worker = [&cache](unsigned char tag, void* stream) {
    std::mt19937 rng(tag);
    for (int i = 0; i < 2000; ++i) {
      const std::size_t size = 1 + rng() % (64 * kKiB);
      auto* ptr = static_cast<unsigned char*>(cache.allocate(size, stream));
      std::memset(ptr, tag, size);
      std::this_thread::yield();
      for (std::size_t j = 0; j < size; j += 997) ASSERT_EQ(ptr[j], tag);  // nobody else wrote here
      cache.deallocate(ptr);
    }
  };
  std::thread first(worker, 1, kStreamA);
  std::thread second(worker, 2, kStreamA);
  first.join();
  second.join();
  const MemoryStats stats = cache.stats();
  EXPECT_EQ(stats.num_allocs, 4000u);
  EXPECT_EQ(stats.num_frees, 4000u);
  EXPECT_EQ(stats.allocated_bytes, 0u);
}

}  // namespace
}  // namespace minidl::detail
