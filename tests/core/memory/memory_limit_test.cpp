// Memory limits (core/memory/memory_limit.h): the CPU allocator counts the bytes live tensors
// hold and refuses to pass its limit with an OutOfMemoryError naming the request, the limit
// and its statistics; the caching allocator's limit does the same for device memory (shown
// with the fake backing allocator); and the environment's byte sizes parse or are refused.
#include "core/memory/memory_limit.h"

#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/memory/caching_allocator.h"
#include "core/tensor.h"
#include "fake_backing.h"

namespace minidl {
namespace {
using namespace minidl::detail::test;

// Restores "no limit" when a test ends, whatever it did.
struct CpuLimitGuard {
  ~CpuLimitGuard() { set_cpu_memory_limit(0); }
};

TEST(CpuMemoryLimit, CountsLiveBytesAndRefusesToPassTheLimit) {
  CpuLimitGuard guard;
  const std::size_t before = cpu_memory_stats().allocated_bytes;
  {
    const Tensor t = empty({1000}, {.dtype = DType::Float32});  // 4000 bytes: 4032 + a 64-byte header
    EXPECT_EQ(cpu_memory_stats().allocated_bytes, before + 4096);
  }
  EXPECT_EQ(cpu_memory_stats().allocated_bytes, before);
  set_cpu_memory_limit(before + (1 << 20));
  const Tensor fits = empty({100000}, {.dtype = DType::Float32});  // 400 KB
  const uint64_t ooms = cpu_memory_stats().num_ooms;
  try {
    const Tensor too_much = empty({200000}, {.dtype = DType::Float32});  // 800 KB more
    FAIL() << "no OutOfMemoryError";
  } catch (const OutOfMemoryError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("tried to allocate 800000 bytes"), std::string::npos) << message;
    EXPECT_NE(message.find("limit of " + std::to_string(before + (1 << 20)) + " bytes (MINIDL_CPU_MEMORY_LIMIT)"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("allocated "), std::string::npos) << message;  // the statistics
  }
  EXPECT_EQ(cpu_memory_stats().num_ooms, ooms + 1);
  set_cpu_memory_limit(0);
  EXPECT_NO_THROW(empty({200000}, {.dtype = DType::Float32}));
}

TEST(CachingAllocatorLimit, RequestsPastTheLimitFailAfterReleasingTheCache) {
  FakeBacking backing(64 * kMiB);
  detail::CachingAllocator cache(backing, "cuda:0");
  cache.set_memory_limit(8 * kMiB);
  cache.deallocate(cache.allocate(3 * kMiB, kStreamA));  // a cached 4 MiB segment
  void* held = cache.allocate(5 * kMiB, kStreamA);       // 6 MiB: fits once the cache is released
  EXPECT_EQ(cache.stats().reserved_bytes, 6 * kMiB);
  try {
    cache.allocate(3 * kMiB, kStreamA);  // 6 + 4 > 8
    FAIL() << "no OutOfMemoryError";
  } catch (const OutOfMemoryError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("cuda:0: out of memory: tried to allocate 3145728 bytes"), std::string::npos) << message;
    EXPECT_NE(message.find("would pass the memory limit"), std::string::npos) << message;
    EXPECT_NE(message.find("(limit 8388608 bytes)"), std::string::npos) << message;
  }
  cache.set_memory_limit(0);
  void* now = cache.allocate(3 * kMiB, kStreamA);
  cache.deallocate(now);
  cache.deallocate(held);
}

TEST(MemoryLimitFromEnvironment, ParsesByteSizes) {
  EXPECT_EQ(detail::parse_byte_size(nullptr, "X"), 0u);
  EXPECT_EQ(detail::parse_byte_size("", "X"), 0u);
  EXPECT_EQ(detail::parse_byte_size("1048576", "X"), 1048576u);
  EXPECT_EQ(detail::parse_byte_size("64K", "X"), 64u << 10);
  EXPECT_EQ(detail::parse_byte_size("512m", "X"), 512u << 20);
  EXPECT_EQ(detail::parse_byte_size("2G", "X"), std::size_t{2} << 30);
  for (const char* bad : {"-1", "12Q", "1.5G", "G", "12 M", "99999999999999999999"}) {
    try {
      detail::parse_byte_size(bad, "MINIDL_CPU_MEMORY_LIMIT");
      ADD_FAILURE() << bad << " accepted";
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("MINIDL_CPU_MEMORY_LIMIT='") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace minidl
