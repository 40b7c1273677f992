// The interface every memory source implements (CPU aligned heap, CUDA caching
// allocator, pinned host pool), and the lookup of the allocator for a device.
#pragma once

#include <cstddef>

#include "core/device.h"

namespace minidl {

class Allocator {
 public:
  virtual ~Allocator() = default;
  /// Returns memory for nbytes (nbytes may be 0); throws OutOfMemoryError on failure.
  virtual void* allocate(std::size_t nbytes) = 0;
  /// Gives back memory from allocate(); never throws.
  virtual void deallocate(void* ptr) noexcept = 0;
};

/// 64-byte aligned host memory.
Allocator& cpu_allocator();
/// The caching allocator of CUDA device `index` (allocations go to its current stream).
Allocator& cuda_allocator(int index);
/// Marks the block at ptr (from cuda_allocator(device)) as used by `stream` too, so that once
/// freed it is reused only after the work queued on `stream` by then (Tensor::record_stream).
void record_cuda_stream(int device, void* ptr, void* stream);
/// Page-locked host memory for staging copies, from a reusing pool.
Allocator& pinned_allocator();
/// cpu_allocator() or cuda_allocator(device.index).
Allocator& allocator_for(const Device& device);

inline constexpr std::size_t kCpuAlignment = 64;

}  // namespace minidl
