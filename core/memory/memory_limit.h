// Memory limits set from the environment: MINIDL_CPU_MEMORY_LIMIT caps the host
// memory tensors hold, MINIDL_CUDA_MEMORY_LIMIT what each device's caching
// allocator reserves. Both exist so that out-of-memory handling can be tested (and a
// machine shared) without exhausting the real memory.
#pragma once

#include <cstddef>

#include "core/memory/memory_stats.h"

namespace minidl {

/// Caps the bytes live CPU tensors hold at once; 0 (the default) is no cap. An allocation past
/// it throws OutOfMemoryError naming the request, the limit and cpu_memory_stats().
void set_cpu_memory_limit(std::size_t bytes);
std::size_t cpu_memory_limit();
/// Live, peak and counts of the CPU allocator (reserved equals allocated: nothing is cached).
MemoryStats cpu_memory_stats();

namespace cuda {
/// Caps what device `device`'s caching allocator reserves (0: no cap), as PyTorch's
/// set_per_process_memory_fraction does with a fraction.
void set_memory_limit(std::size_t bytes, int device = 0);
}  // namespace cuda

namespace detail {
/// Bytes from a size such as "1048576", "64K", "512M" or "2G" (powers of 1024); `name` (the
/// variable) is named in the ValueError for anything else. nullptr or "" is 0 (no limit).
std::size_t parse_byte_size(const char* text, const char* name);
}  // namespace detail

}  // namespace minidl
