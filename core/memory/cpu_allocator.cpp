// 64-byte aligned host memory: cache-line aligned and wide enough for any SIMD load. Each
// block starts with a 64-byte header holding its size, so the allocator can count the bytes
// live tensors hold and enforce MINIDL_CPU_MEMORY_LIMIT.
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "core/error.h"
#include "core/memory/allocator.h"
#include "core/memory/memory_limit.h"

namespace minidl {
namespace detail {
std::size_t parse_byte_size(const char* text, const char* name) {
  if (text == nullptr || *text == '\0') return 0;
  errno = 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  std::size_t scale = 1;
  if (end != text && *end != '\0' && end[1] == '\0') {
    switch (*end) {
      case 'K': case 'k': scale = std::size_t{1} << 10; ++end; break;
      case 'M': case 'm': scale = std::size_t{1} << 20; ++end; break;
      case 'G': case 'g': scale = std::size_t{1} << 30; ++end; break;
      default: break;
    }
  }
  MINIDL_CHECK(end != text && *end == '\0' && errno == 0 && text[0] != '-' && value <= SIZE_MAX / scale,
               ValueError, name, "='", text, "' is not a byte count such as 1048576, 64K, 512M or 2G");
  return static_cast<std::size_t>(value) * scale;
}
}  // namespace detail

namespace {
class CpuAllocator final : public Allocator {
 public:
  void* allocate(std::size_t nbytes) override {
    std::call_once(env_read_, [this] {
      limit_ = detail::parse_byte_size(std::getenv("MINIDL_CPU_MEMORY_LIMIT"), "MINIDL_CPU_MEMORY_LIMIT");
    });
    const std::size_t rounded = (nbytes + kCpuAlignment - 1) / kCpuAlignment * kCpuAlignment;
    MINIDL_CHECK(rounded >= nbytes && rounded < SIZE_MAX - kCpuAlignment, OutOfMemoryError,
                 "cpu: out of memory: tried to allocate ", nbytes, " bytes");
    const std::size_t total = rounded + kCpuAlignment;  // header + data
    const std::size_t limit = limit_.load();
    const std::size_t held = allocated_.fetch_add(total) + total;
    if (limit != 0 && held > limit) {
      allocated_.fetch_sub(total);
      fail(nbytes, "which would pass the limit of " + std::to_string(limit) + " bytes (MINIDL_CPU_MEMORY_LIMIT)");
    }
    void* base = std::aligned_alloc(kCpuAlignment, total);
    if (base == nullptr) {
      allocated_.fetch_sub(total);
      fail(nbytes, "the system has no more");
    }
    std::memcpy(base, &total, sizeof total);
    ++num_allocs_;
    std::size_t peak = peak_.load();
    while (held > peak && !peak_.compare_exchange_weak(peak, held)) {
    }
    return static_cast<char*>(base) + kCpuAlignment;
  }
  void deallocate(void* ptr) noexcept override {
    if (ptr == nullptr) return;
    void* base = static_cast<char*>(ptr) - kCpuAlignment;
    std::size_t total = 0;
    std::memcpy(&total, base, sizeof total);
    allocated_.fetch_sub(total);
    ++num_frees_;
    std::free(base);
  }
  void set_limit(std::size_t bytes) {
    std::call_once(env_read_, [] {});  // an explicit limit wins over the environment
    limit_ = bytes;
  }
  std::size_t limit() const { return limit_; }
  MemoryStats stats() const {
    MemoryStats s;
    s.allocated_bytes = s.reserved_bytes = allocated_.load();
    s.peak_allocated_bytes = s.peak_reserved_bytes = peak_.load();
    s.num_allocs = s.num_backing_mallocs = num_allocs_.load();
    s.num_frees = s.num_backing_frees = num_frees_.load();
    s.num_ooms = num_ooms_.load();
    return s;
  }

 private:
  [[noreturn]] void fail(std::size_t nbytes, const std::string& why) {
    ++num_ooms_;
    throw OutOfMemoryError(detail::str_cat("cpu: out of memory: tried to allocate ", nbytes, " bytes, ", why,
                                           "; ", to_string(stats())));
  }

  std::once_flag env_read_;
  std::atomic<std::size_t> limit_{0}, allocated_{0}, peak_{0};
  std::atomic<uint64_t> num_allocs_{0}, num_frees_{0}, num_ooms_{0};
};

CpuAllocator& the_cpu_allocator() {
  static CpuAllocator allocator;
  return allocator;
}
}  // namespace

Allocator& cpu_allocator() { return the_cpu_allocator(); }

void set_cpu_memory_limit(std::size_t bytes) { the_cpu_allocator().set_limit(bytes); }
std::size_t cpu_memory_limit() { return the_cpu_allocator().limit(); }
MemoryStats cpu_memory_stats() { return the_cpu_allocator().stats(); }

Allocator& allocator_for(const Device& device) {
  if (device.is_cpu()) return cpu_allocator();
  check_device(device);
  return cuda_allocator(device.index);
}

}  // namespace minidl
