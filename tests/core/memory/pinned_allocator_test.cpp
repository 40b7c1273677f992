// Tests of the pinned host pool (core/memory/pinned_allocator.cpp): blocks are
// reused without new backing allocations. On the CPU it runs on page-aligned heap
// memory; the Gpu fixture checks a round trip through the device with real pinned memory.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/cuda/runtime.h"
#include "core/memory/allocator.h"
#include "core/memory/memory_stats.h"
#include "core/stream.h"
#include "support/gpu_test.h"

namespace minidl {
namespace {

TEST(PinnedAllocator, FreedBlocksAreReused) {
  Allocator& pool = pinned_allocator();
  auto* first = static_cast<unsigned char*>(pool.allocate(3000));
  std::memset(first, 0xAB, 3000);  // the memory is really host-writable
  pool.deallocate(first);
  const MemoryStats before = cuda::pinned_memory_stats();
  void* second = pool.allocate(2900);
  const MemoryStats after = cuda::pinned_memory_stats();
  EXPECT_EQ(second, first);
  EXPECT_EQ(after.num_backing_mallocs, before.num_backing_mallocs);
  EXPECT_EQ(after.num_cache_hits, before.num_cache_hits + 1);
  EXPECT_EQ(after.allocated_bytes, before.allocated_bytes + 3072);
  pool.deallocate(second);
}

TEST(PinnedAllocator, EmptyCacheGivesSegmentsBack) {
  Allocator& pool = pinned_allocator();
  pool.deallocate(pool.allocate(5 << 20));
  const MemoryStats before = cuda::pinned_memory_stats();
  ASSERT_GE(before.reserved_bytes, std::size_t{6} << 20);
  cuda::empty_pinned_cache();
  const MemoryStats after = cuda::pinned_memory_stats();
  EXPECT_GE(after.num_backing_frees, before.num_backing_frees + 1);
  EXPECT_LE(after.reserved_bytes, before.reserved_bytes - (std::size_t{6} << 20));
}

class PinnedAllocatorGpu : public test::GpuTest {};

TEST_F(PinnedAllocatorGpu, RoundTripThroughTheDevice) {
  namespace cu = kernels::cuda;
  constexpr std::size_t kCount = 1 << 16;
  auto* source = static_cast<std::uint32_t*>(pinned_allocator().allocate(kCount * 4));
  auto* result = static_cast<std::uint32_t*>(pinned_allocator().allocate(kCount * 4));
  for (std::size_t i = 0; i < kCount; ++i) source[i] = static_cast<std::uint32_t>(i * 2654435761u);
  void* device = cuda_allocator(0).allocate(kCount * 4);
  const Stream stream = Stream::current(Device::cuda(0));
  cu::memcpy_async(device, source, kCount * 4, cu::CopyKind::HostToDevice, stream.handle());
  cu::memcpy_async(result, device, kCount * 4, cu::CopyKind::DeviceToHost, stream.handle());
  stream.synchronize();
  EXPECT_EQ(std::memcmp(source, result, kCount * 4), 0);
  cuda_allocator(0).deallocate(device);
  pinned_allocator().deallocate(source);
  pinned_allocator().deallocate(result);
}

}  // namespace
}  // namespace minidl
