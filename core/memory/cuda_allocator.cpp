// cuda_allocator(index): one CachingAllocator per CUDA device over cudaMalloc/
// cudaFree (through core/cuda/runtime.h, so no CUDA headers here), with
// blocks kept per the calling thread's current stream (MINIDL_NO_CUDA_MEMORY_CACHING=1
// turns the caching off, for compute-sanitizer); and the minidl::cuda statistics functions. Without CUDA
// every entry point throws DeviceUnavailableError.
#include <cstdlib>
#include <vector>

#include "core/cuda/runtime.h"
#include "core/error.h"
#include "core/memory/allocator.h"
#include "core/memory/caching_allocator.h"
#include "core/memory/memory_limit.h"
#include "core/memory/memory_stats.h"
#include "core/stream.h"

namespace minidl {
namespace cu = kernels::cuda;

namespace {
// Switches the calling thread to `index` for one runtime call and back, so a
// segment allocation never changes the device the caller was working on.
class DeviceSwitch {
 public:
  explicit DeviceSwitch(int index) : previous_(cu::current_device()), switched_(previous_ != index) {
    if (switched_) cu::set_device(index);
  }
  ~DeviceSwitch() {
    if (!switched_) return;
    try {
      cu::set_device(previous_);
    } catch (...) {  // destructors never throw; the next checked call reports a broken context
    }
  }
  DeviceSwitch(const DeviceSwitch&) = delete;
  DeviceSwitch& operator=(const DeviceSwitch&) = delete;

 private:
  int previous_;
  bool switched_;
};

class DeviceBacking final : public detail::BackingAllocator {
 public:
  explicit DeviceBacking(int index) : index_(index) {}
  void* raw_malloc(std::size_t nbytes) override {
    DeviceSwitch on_device(index_);
    return cu::malloc_device(nbytes);
  }
  void raw_free(void* ptr) noexcept override {
    try {
      DeviceSwitch on_device(index_);
      cu::free_device(ptr);
    } catch (...) {  // could not even select the device: the context is gone, nothing to free
    }
  }
  void* record_event(void* stream) override {
    DeviceSwitch on_device(index_);
    cu::EventHandle event = cu::create_event(/*enable_timing=*/false);
    try {
      cu::record_event(event, stream);
    } catch (...) {
      cu::destroy_event(event);
      throw;
    }
    return event;
  }
  bool event_done(void* event, bool wait) override {
    if (!wait) return cu::event_query(event);
    cu::event_synchronize(event);
    return true;
  }
  void release_event(void* event) noexcept override { cu::destroy_event(event); }

 private:
  int index_;
};

class CudaCachingAllocator final : public Allocator {
 public:
  CudaCachingAllocator(int index, detail::CachePolicy policy)
      : index_(index), backing_(index), cache_(backing_, Device::cuda(index).str(), policy) {}
  void* allocate(std::size_t nbytes) override {
    return cache_.allocate(nbytes, Stream::current(Device::cuda(index_)).handle());
  }
  void deallocate(void* ptr) noexcept override { cache_.deallocate(ptr); }
  detail::CachingAllocator& cache() { return cache_; }

 private:
  int index_;
  DeviceBacking backing_;
  detail::CachingAllocator cache_;
};

// One allocator per device, made on first use and never destroyed, so tensors
// released during static destruction still find theirs. Empty without a device.
const std::vector<CudaCachingAllocator*>& device_allocators() {
  static const auto* allocators = [] {
    const auto policy = detail::no_caching_requested(std::getenv("MINIDL_NO_CUDA_MEMORY_CACHING"))
                            ? detail::CachePolicy::PassThrough
                            : detail::CachePolicy::Cache;
    const std::size_t limit =
        detail::parse_byte_size(std::getenv("MINIDL_CUDA_MEMORY_LIMIT"), "MINIDL_CUDA_MEMORY_LIMIT");
    auto* all = new std::vector<CudaCachingAllocator*>();
    for (int index = 0; index < cuda_device_count(); ++index) {
      all->push_back(new CudaCachingAllocator(index, policy));
      all->back()->cache().set_memory_limit(limit);
    }
    return all;
  }();
  return *allocators;
}

CudaCachingAllocator& device_allocator(int index) {
  check_device(Device::cuda(index));
  return *device_allocators().at(static_cast<std::size_t>(index));
}
}  // namespace

Allocator& cuda_allocator(int index) { return device_allocator(index); }

void record_cuda_stream(int device, void* ptr, void* stream) {
  device_allocator(device).cache().record_stream(ptr, stream);
}

namespace cuda {
MemoryStats memory_stats(int device) { return device_allocator(device).cache().stats(); }

void empty_cache() {
  for (CudaCachingAllocator* allocator : device_allocators()) allocator->cache().empty_cache();
}

void reset_peak_memory_stats(int device) { device_allocator(device).cache().reset_peak(); }

void set_memory_limit(std::size_t bytes, int device) { device_allocator(device).cache().set_memory_limit(bytes); }
}  // namespace cuda

}  // namespace minidl
