// The CUDA runtime wrapper of a build without the CUDA backend: no devices, and
// every call that needs one throws DeviceUnavailableError.
#include "core/cuda/runtime.h"
#include "core/error.h"

namespace minidl::kernels::cuda {
namespace {
[[noreturn]] void unavailable(const char* what) {
  throw DeviceUnavailableError(::minidl::detail::str_cat(
      what, ": minidl was built without CUDA (configure with -DMINIDL_CUDA=ON on a machine with nvcc)"));
}
}  // namespace

bool compiled() noexcept { return false; }
const RuntimeProbe& probe() noexcept {
  static const RuntimeProbe none{0, 0, 0, "minidl was built without CUDA"};
  return none;
}
int device_count() noexcept { return 0; }
DeviceProperties device_properties(int) { unavailable("cuda::device_properties"); }
void set_device(int) { unavailable("cuda::set_device"); }
int current_device() { unavailable("cuda::current_device"); }
void device_synchronize() { unavailable("cuda::device_synchronize"); }
void* malloc_device(std::size_t) { unavailable("cuda::malloc_device"); }
void free_device(void*) noexcept {}
void* malloc_pinned(std::size_t) { unavailable("cuda::malloc_pinned"); }
void free_pinned(void*) noexcept {}
void mem_info(std::size_t*, std::size_t*) { unavailable("cuda::mem_info"); }
void memcpy_async(void*, const void*, std::size_t, CopyKind, StreamHandle) { unavailable("cuda::memcpy_async"); }
void memset_async(void*, int, std::size_t, StreamHandle) { unavailable("cuda::memset_async"); }
StreamHandle create_stream() { unavailable("cuda::create_stream"); }
void destroy_stream(StreamHandle) noexcept {}
void stream_synchronize(StreamHandle) { unavailable("cuda::stream_synchronize"); }
EventHandle create_event(bool) { unavailable("cuda::create_event"); }
void destroy_event(EventHandle) noexcept {}
void record_event(EventHandle, StreamHandle) { unavailable("cuda::record_event"); }
void stream_wait_event(StreamHandle, EventHandle) { unavailable("cuda::stream_wait_event"); }
void event_synchronize(EventHandle) { unavailable("cuda::event_synchronize"); }
bool event_query(EventHandle) { unavailable("cuda::event_query"); }
float event_elapsed_ms(EventHandle, EventHandle) { unavailable("cuda::event_elapsed_ms"); }

}  // namespace minidl::kernels::cuda
