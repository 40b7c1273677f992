// pinned_allocator(): a reusing pool of page-locked host memory for staging
// host<->device copies (cudaMallocHost is slow, so blocks are cached by the same
// CachingAllocator as device memory, under one null stream key). Without a
// usable GPU nothing needs pinning, and the pool falls back to page-aligned heap memory.
#include <cstdlib>

#include "core/cuda/runtime.h"
#include "core/device.h"
#include "core/memory/allocator.h"
#include "core/memory/caching_allocator.h"
#include "core/memory/memory_stats.h"

namespace minidl {
namespace {
constexpr std::size_t kPageSize = 4096;

class PinnedBacking final : public detail::BackingAllocator {
 public:
  void* raw_malloc(std::size_t nbytes) override {
    // Segment sizes are multiples of 2 MiB, as aligned_alloc requires of the page size.
    return pinned_ ? kernels::cuda::malloc_pinned(nbytes) : std::aligned_alloc(kPageSize, nbytes);
  }
  void raw_free(void* ptr) noexcept override {
    if (pinned_)
      kernels::cuda::free_pinned(ptr);
    else
      std::free(ptr);
  }

 private:
  const bool pinned_ = cuda_available();
};

// The caller must not free a block while an asynchronous copy still reads or
// writes it (wait for the copy's event first): the pool hands it out again at once.
class PinnedAllocator final : public Allocator {
 public:
  void* allocate(std::size_t nbytes) override { return cache_.allocate(nbytes, nullptr); }
  void deallocate(void* ptr) noexcept override { cache_.deallocate(ptr); }
  detail::CachingAllocator& cache() { return cache_; }

 private:
  PinnedBacking backing_;
  detail::CachingAllocator cache_{backing_, "pinned"};
};

// Never destroyed, so host tensors released during static destruction stay safe.
PinnedAllocator& pinned_pool() {
  static auto* pool = new PinnedAllocator();
  return *pool;
}
}  // namespace

Allocator& pinned_allocator() { return pinned_pool(); }

namespace cuda {
MemoryStats pinned_memory_stats() { return pinned_pool().cache().stats(); }
void empty_pinned_cache() { pinned_pool().cache().empty_cache(); }
}  // namespace cuda

}  // namespace minidl
