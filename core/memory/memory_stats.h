// Statistics of a caching allocator (device or pinned pool) and the public
// functions that read them, in the spirit of torch.cuda.memory_stats(): how much
// memory tensors hold, how much the cache holds, and how often the backing
// cudaMalloc/cudaFree really ran (zero new calls in a steady-state training step).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace minidl {

/// Byte counts are of cache blocks (requests rounded up to 512-byte multiples).
struct MemoryStats {
  std::size_t allocated_bytes = 0;       ///< held by live allocations
  std::size_t reserved_bytes = 0;        ///< obtained from the backing allocator (live + cached)
  std::size_t peak_allocated_bytes = 0;  ///< highest allocated_bytes since start / reset_peak
  std::size_t peak_reserved_bytes = 0;   ///< highest reserved_bytes since start / reset_peak
  uint64_t num_allocs = 0;               ///< successful allocate() calls
  uint64_t num_frees = 0;                ///< deallocate() calls that freed a live block
  uint64_t num_backing_mallocs = 0;      ///< segments obtained from the backing allocator
  uint64_t num_backing_frees = 0;        ///< segments given back to the backing allocator
  uint64_t num_cache_hits = 0;           ///< allocations served from cached blocks
  uint64_t num_ooms = 0;                 ///< OutOfMemoryError thrown
  uint64_t num_invalid_frees = 0;        ///< deallocate() of an unknown or already freed pointer
};

/// One line, e.g. "allocated 1.50 MiB (peak 2.00 MiB), reserved 4.00 MiB (peak 4.00 MiB), ...".
std::string to_string(const MemoryStats& stats);

namespace cuda {
/// Statistics of the caching allocator of CUDA device `device`; throws
/// DeviceUnavailableError without CUDA and DeviceError for a device that does not exist.
MemoryStats memory_stats(int device = 0);
/// Gives the cached, unused device memory of every device back to the driver
/// (memory of live tensors stays). A no-op where no device memory was ever allocated.
void empty_cache();
/// Restarts peak_allocated_bytes and peak_reserved_bytes from the current values.
void reset_peak_memory_stats(int device = 0);
/// Statistics of the page-locked host pool behind pinned_allocator().
MemoryStats pinned_memory_stats();
/// Gives the cached, unused pinned host memory back.
void empty_pinned_cache();
}  // namespace cuda

}  // namespace minidl
