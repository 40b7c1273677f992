#include "core/cuda/runtime.h"

#include "core/cuda/check.h"

namespace minidl::kernels::cuda {
namespace {
cudaStream_t as_stream(StreamHandle s) { return static_cast<cudaStream_t>(s); }
cudaEvent_t as_event(EventHandle e) { return static_cast<cudaEvent_t>(e); }
cudaMemcpyKind as_kind(CopyKind kind) {
  switch (kind) {
    case CopyKind::HostToDevice: return cudaMemcpyHostToDevice;
    case CopyKind::DeviceToHost: return cudaMemcpyDeviceToHost;
    case CopyKind::DeviceToDevice: return cudaMemcpyDeviceToDevice;
  }
  return cudaMemcpyDefault;
}
}  // namespace

bool compiled() noexcept { return true; }

const RuntimeProbe& probe() noexcept {
  static const RuntimeProbe result = [] {
    RuntimeProbe p;
    p.runtime_version = CUDART_VERSION;
    if (cudaDriverGetVersion(&p.driver_version) != cudaSuccess) p.driver_version = 0;
    const cudaError_t status = cudaGetDeviceCount(&p.device_count);
    if (status != cudaSuccess) {
      (void)cudaGetLastError();  // no driver or no device: clear the sticky error
      p.device_count = 0;
      try {
        const auto dotted = [](int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); };
        p.error = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status) + " (" +
                  (p.driver_version > 0 ? "the driver supports CUDA " + dotted(p.driver_version)
                                        : std::string("no CUDA driver is installed")) +
                  ", minidl was built with CUDA " + dotted(p.runtime_version) + ")";
      } catch (...) {
        p.error = "cudaGetDeviceCount failed";
      }
    } else if (p.device_count == 0) {
      p.error = "the CUDA runtime reports no device";
    }
    return p;
  }();
  return result;
}

int device_count() noexcept { return probe().device_count; }

DeviceProperties device_properties(int index) {
  cudaDeviceProp prop{};
  MINIDL_CUDA_CHECK(cudaGetDeviceProperties(&prop, index));
  return {prop.name, prop.major, prop.minor, prop.multiProcessorCount, prop.totalGlobalMem};
}

void set_device(int index) { MINIDL_CUDA_CHECK(cudaSetDevice(index)); }

int current_device() {
  int index = 0;
  MINIDL_CUDA_CHECK(cudaGetDevice(&index));
  return index;
}

void device_synchronize() { MINIDL_CUDA_CHECK(cudaDeviceSynchronize()); }

void* malloc_device(std::size_t nbytes) {
  void* ptr = nullptr;
  const cudaError_t status = cudaMalloc(&ptr, nbytes);
  if (status == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    return nullptr;
  }
  MINIDL_CUDA_CHECK(status);
  return ptr;
}

void free_device(void* ptr) noexcept { (void)cudaFree(ptr); }

void* malloc_pinned(std::size_t nbytes) {
  void* ptr = nullptr;
  if (cudaMallocHost(&ptr, nbytes) != cudaSuccess) {
    (void)cudaGetLastError();
    return nullptr;
  }
  return ptr;
}

void free_pinned(void* ptr) noexcept { (void)cudaFreeHost(ptr); }

void mem_info(std::size_t* free_bytes, std::size_t* total_bytes) {
  MINIDL_CUDA_CHECK(cudaMemGetInfo(free_bytes, total_bytes));
}

void memcpy_async(void* dst, const void* src, std::size_t nbytes, CopyKind kind, StreamHandle stream) {
  if (nbytes == 0) return;
  MINIDL_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, as_kind(kind), as_stream(stream)));
}

void memset_async(void* dst, int value, std::size_t nbytes, StreamHandle stream) {
  if (nbytes == 0) return;
  MINIDL_CUDA_CHECK(cudaMemsetAsync(dst, value, nbytes, as_stream(stream)));
}

StreamHandle create_stream() {
  cudaStream_t stream = nullptr;
  MINIDL_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  return stream;
}

void destroy_stream(StreamHandle stream) noexcept {
  if (stream) (void)cudaStreamDestroy(as_stream(stream));
}

void stream_synchronize(StreamHandle stream) { MINIDL_CUDA_CHECK(cudaStreamSynchronize(as_stream(stream))); }

EventHandle create_event(bool enable_timing) {
  cudaEvent_t event = nullptr;
  MINIDL_CUDA_CHECK(cudaEventCreateWithFlags(&event, enable_timing ? cudaEventDefault : cudaEventDisableTiming));
  return event;
}

void destroy_event(EventHandle event) noexcept {
  if (event) (void)cudaEventDestroy(as_event(event));
}

void record_event(EventHandle event, StreamHandle stream) {
  MINIDL_CUDA_CHECK(cudaEventRecord(as_event(event), as_stream(stream)));
}

void stream_wait_event(StreamHandle stream, EventHandle event) {
  MINIDL_CUDA_CHECK(cudaStreamWaitEvent(as_stream(stream), as_event(event), 0));
}

void event_synchronize(EventHandle event) { MINIDL_CUDA_CHECK(cudaEventSynchronize(as_event(event))); }

bool event_query(EventHandle event) {
  const cudaError_t status = cudaEventQuery(as_event(event));
  if (status == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  MINIDL_CUDA_CHECK(status);
  return true;
}

float event_elapsed_ms(EventHandle start, EventHandle end) {
  float ms = 0;
  MINIDL_CUDA_CHECK(cudaEventElapsedTime(&ms, as_event(start), as_event(end)));
  return ms;
}

}  // namespace minidl::kernels::cuda
