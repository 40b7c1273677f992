// Tests of the per-device caching allocator (core/memory/cuda_allocator.cpp): on a
// GPU, a steady-state loop makes no new cudaMalloc calls, streams keep their own
// blocks and OOM is reported with the size; without a GPU every entry point throws
// DeviceUnavailableError.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/cuda/runtime.h"
#include "core/error.h"
#include "core/memory/allocator.h"
#include "core/memory/memory_stats.h"
#include "core/stream.h"
#include "core/tensor.h"
#include "support/gpu_test.h"

namespace minidl {
namespace {
namespace cu = kernels::cuda;

TEST(CudaAllocator, ThrowsDeviceUnavailableWithoutAGpu) {
  if (cuda_available()) GTEST_SKIP() << "this machine has a CUDA device";
  EXPECT_THROW(cuda_allocator(0), DeviceUnavailableError);
  EXPECT_THROW(allocator_for(Device::cuda(0)), DeviceUnavailableError);
  EXPECT_THROW(cuda::memory_stats(0), DeviceUnavailableError);
  EXPECT_THROW(cuda::reset_peak_memory_stats(0), DeviceUnavailableError);
  EXPECT_NO_THROW(cuda::empty_cache());  // nothing to release anywhere
}

class CudaAllocatorGpu : public test::GpuTest {};

// One "training step": tensors of assorted sizes, small and large, alive together.
std::vector<void*> allocate_step(Allocator& allocator) {
  std::vector<void*> blocks;
  for (std::size_t nbytes : {std::size_t{4}, std::size_t{1000}, std::size_t{64} << 10, std::size_t{1} << 20,
                             std::size_t{3} << 20, std::size_t{37} << 20, std::size_t{200}})
    blocks.push_back(allocator.allocate(nbytes));
  return blocks;
}

TEST_F(CudaAllocatorGpu, SteadyStateMakesNoBackingMallocs) {
  Allocator& allocator = cuda_allocator(0);
  const Stream stream = Stream::current(Device::cuda(0));
  for (void* block : allocate_step(allocator)) allocator.deallocate(block);  // warm-up
  const MemoryStats warm = cuda::memory_stats(0);
  for (int step = 0; step < 50; ++step) {
    std::vector<void*> blocks = allocate_step(allocator);
    for (void* block : blocks) cu::memset_async(block, step, 200, stream.handle());  // really usable
    for (void* block : blocks) allocator.deallocate(block);
  }
  stream.synchronize();
  const MemoryStats after = cuda::memory_stats(0);
  EXPECT_EQ(after.num_backing_mallocs, warm.num_backing_mallocs);
  EXPECT_EQ(after.num_cache_hits, warm.num_cache_hits + 50 * 7);
  EXPECT_EQ(after.allocated_bytes, warm.allocated_bytes);
  EXPECT_EQ(after.reserved_bytes, warm.reserved_bytes);
}

TEST_F(CudaAllocatorGpu, StreamsKeepTheirOwnBlocks) {
  Allocator& allocator = cuda_allocator(0);
  void* on_compute = allocator.allocate(5 << 20);
  allocator.deallocate(on_compute);
  const Stream loader = Stream::create(Device::cuda(0));
  {
    StreamGuard guard(loader);
    void* on_loader = allocator.allocate(5 << 20);
    EXPECT_NE(on_loader, on_compute);
    allocator.deallocate(on_loader);
  }
  void* again = allocator.allocate(5 << 20);
  EXPECT_EQ(again, on_compute);
  allocator.deallocate(again);
}

// A block made on one stream and recorded on another goes back to its stream's cache only once
// the other stream's work queued before the free is done; then it is reused.
TEST_F(CudaAllocatorGpu, RecordedStreamDefersReuseUntilItsWorkIsDone) {
  const Stream side = Stream::create(Device::cuda(0));
  const Stream compute = Stream::compute(Device::cuda(0));
  Tensor t;
  {
    const StreamGuard guard(side);
    t = empty({1 << 20}, {.device = Device::cuda(0)});
  }
  void* const first = t.storage().data();
  t.record_stream(compute);
  t = Tensor();  // pending until the compute stream's work queued so far is done
  compute.synchronize();
  const StreamGuard guard(side);
  const Tensor again = empty({1 << 20}, {.device = Device::cuda(0)});
  EXPECT_EQ(again.storage().data(), first);
  try {
    zeros({2}).record_stream(compute);
    FAIL() << "record_stream of a CPU tensor should throw";
  } catch (const DeviceError& e) {
    EXPECT_NE(std::string(e.what()).find("record_stream: a tensor on cpu"), std::string::npos) << e.what();
  }
}

TEST_F(CudaAllocatorGpu, EmptyCacheAndPeaks) {
  Allocator& allocator = cuda_allocator(0);
  void* block = allocator.allocate(100 << 20);
  const MemoryStats holding = cuda::memory_stats(0);
  EXPECT_GE(holding.peak_allocated_bytes, holding.allocated_bytes);
  EXPECT_GE(holding.allocated_bytes, std::size_t{100} << 20);
  allocator.deallocate(block);
  cuda::empty_cache();
  const MemoryStats released = cuda::memory_stats(0);
  EXPECT_GT(released.num_backing_frees, holding.num_backing_frees);
  EXPECT_LE(released.reserved_bytes + (std::size_t{100} << 20), holding.reserved_bytes);
  cuda::reset_peak_memory_stats(0);
  const MemoryStats reset = cuda::memory_stats(0);
  EXPECT_EQ(reset.peak_allocated_bytes, reset.allocated_bytes);
  EXPECT_EQ(reset.peak_reserved_bytes, reset.reserved_bytes);
}

TEST_F(CudaAllocatorGpu, TooLargeRequestThrowsOutOfMemoryNamingTheSize) {
  cu::set_device(0);
  std::size_t free_bytes = 0, total_bytes = 0;
  cu::mem_info(&free_bytes, &total_bytes);
  const std::size_t request = total_bytes + (std::size_t{1} << 30);
  const MemoryStats before = cuda::memory_stats(0);
  try {
    cuda_allocator(0).allocate(request);
    FAIL() << "allocating " << request << " bytes should fail";
  } catch (const OutOfMemoryError& error) {
    EXPECT_NE(std::string(error.what()).find(std::to_string(request)), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("cuda:0"), std::string::npos) << error.what();
  }
  EXPECT_EQ(cuda::memory_stats(0).num_ooms, before.num_ooms + 1);
  void* fine = cuda_allocator(0).allocate(1024);  // the allocator is still usable
  EXPECT_NE(fine, nullptr);
  cuda_allocator(0).deallocate(fine);
}

TEST_F(CudaAllocatorGpu, KeepsTheCallersCurrentDevice) {
  if (cuda_device_count() < 2) GTEST_SKIP() << "needs two CUDA devices";
  cu::set_device(0);
  void* block = cuda_allocator(1).allocate(8 << 20);
  EXPECT_EQ(cu::current_device(), 0);
  cuda_allocator(1).deallocate(block);
}

}  // namespace
}  // namespace minidl
