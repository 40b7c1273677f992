// 64-byte aligned host memory: cache-line aligned and wide enough for any SIMD load.
#include <cstdlib>

#include "core/error.h"
#include "core/memory/allocator.h"

namespace minidl {
namespace {
class CpuAllocator final : public Allocator {
 public:
  void* allocate(std::size_t nbytes) override {
    const std::size_t rounded = (nbytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
    void* ptr = std::aligned_alloc(kCpuAlignment, rounded == 0 ? kCpuAlignment : rounded);
    MINIDL_CHECK(ptr != nullptr, OutOfMemoryError, "cpu: failed to allocate ", nbytes, " bytes");
    return ptr;
  }
  void deallocate(void* ptr) noexcept override { std::free(ptr); }
};
}  // namespace

Allocator& cpu_allocator() {
  static CpuAllocator allocator;
  return allocator;
}

Allocator& allocator_for(const Device& device) {
  if (device.is_cpu()) return cpu_allocator();
  check_device(device);
  return cuda_allocator(device.index);
}

}  // namespace minidl
