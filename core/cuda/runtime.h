// A thin, checked wrapper over the CUDA runtime API for host code that must not
// include CUDA headers (core/, public headers). Implemented by core/cuda/runtime.cpp
// with the CUDA backend and by core/no_cuda/runtime.cpp without it, where every
// call but compiled()/device_count() throws DeviceUnavailableError. (Its namespace is
// still kernels::cuda, from before it moved down into core/.)
#pragma once

#include <cstddef>
#include <string>

namespace minidl::kernels::cuda {

/// Opaque handles (cudaStream_t, cudaEvent_t); nullptr is the legacy default stream.
using StreamHandle = void*;
using EventHandle = void*;

enum class CopyKind { HostToDevice, DeviceToHost, DeviceToDevice };

bool compiled() noexcept;
/// 0 when there is no driver or GPU; never throws.
int device_count() noexcept;

/// What the CUDA runtime says about this machine, for diagnostics: the device count, the
/// driver's and the build's CUDA versions (1000 * major + 10 * minor; 0 when unknown) and,
/// when no device can be used, the runtime's error ("cudaErrorInsufficientDriver: ...").
struct RuntimeProbe {
  int device_count = 0;
  int driver_version = 0;
  int runtime_version = 0;
  std::string error;
};
/// Asks the runtime once (never throws); device_count() is probe().device_count.
const RuntimeProbe& probe() noexcept;
/// Name, compute capability, multiprocessors and memory of one device, for diagnostics.
struct DeviceProperties {
  std::string name;
  int major = 0, minor = 0, multiprocessors = 0;
  std::size_t total_memory = 0;
};
DeviceProperties device_properties(int index);
void set_device(int index);
int current_device();
void device_synchronize();

/// Device memory; nullptr when the device is out of memory, throws on other errors.
void* malloc_device(std::size_t nbytes);
void free_device(void* ptr) noexcept;
/// Page-locked host memory; nullptr when it cannot be had.
void* malloc_pinned(std::size_t nbytes);
void free_pinned(void* ptr) noexcept;
/// Free and total bytes of the current device.
void mem_info(std::size_t* free_bytes, std::size_t* total_bytes);

void memcpy_async(void* dst, const void* src, std::size_t nbytes, CopyKind kind, StreamHandle stream);
void memset_async(void* dst, int value, std::size_t nbytes, StreamHandle stream);

StreamHandle create_stream();
void destroy_stream(StreamHandle stream) noexcept;
void stream_synchronize(StreamHandle stream);

EventHandle create_event(bool enable_timing);
void destroy_event(EventHandle event) noexcept;
void record_event(EventHandle event, StreamHandle stream);
void stream_wait_event(StreamHandle stream, EventHandle event);
void event_synchronize(EventHandle event);
bool event_query(EventHandle event);
float event_elapsed_ms(EventHandle start, EventHandle end);

}  // namespace minidl::kernels::cuda
