// The per-device error flags of kernels/cuda/error_flag.h. Each is allocated on
// first use and kept for the process (like the compute streams); a check costs
// one 32-byte device-to-host read, and nothing for devices whose flag no kernel
// ever received.
#include "kernels/cuda/error_flag.h"

#include <array>
#include <atomic>
#include <mutex>

#include "kernels/cuda/check.h"

namespace minidl::kernels::cuda {
namespace {

constexpr int kMaxDevices = 64;
// Written once per device under a mutex, then read without one at every synchronization.
std::array<std::atomic<DeviceErrorFlag*>, kMaxDevices> flags{};

// Makes `device` current for a scope and restores the caller's device after.
class DeviceScope {
 public:
  explicit DeviceScope(int device) {
    MINIDL_CUDA_CHECK(cudaGetDevice(&previous_));
    if (previous_ != device) MINIDL_CUDA_CHECK(cudaSetDevice(device));
  }
  ~DeviceScope() { (void)cudaSetDevice(previous_); }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int previous_ = 0;
};

// Zeroes a flag and waits for that alone: the memset runs on the legacy default stream, which
// our non-blocking streams do not wait for, so it must land before any kernel may set the flag
// again. Synchronizing the legacy stream waits for nothing else (a cudaDeviceSynchronize here,
// inside a launcher, would stall every stream of the device).
void reset(DeviceErrorFlag* flag) {
  MINIDL_CUDA_CHECK(cudaMemsetAsync(flag, 0, sizeof(DeviceErrorFlag), cudaStreamLegacy));
  MINIDL_CUDA_CHECK(cudaStreamSynchronize(cudaStreamLegacy));
}

}  // namespace

DeviceErrorFlag* device_error_flag(int device) {
  MINIDL_CHECK(device >= 0 && device < kMaxDevices, DeviceError, "device_error_flag: no CUDA device ",
               device);
  if (DeviceErrorFlag* flag = flags[device].load(std::memory_order_acquire)) return flag;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (DeviceErrorFlag* flag = flags[device].load(std::memory_order_acquire)) return flag;
  DeviceScope scope(device);
  void* ptr = nullptr;
  MINIDL_CUDA_CHECK(cudaMalloc(&ptr, sizeof(DeviceErrorFlag)));
  auto* flag = static_cast<DeviceErrorFlag*>(ptr);
  reset(flag);
  flags[device].store(flag, std::memory_order_release);
  return flag;
}

void check_device_error_flag(int device) {
  if (device < 0 || device >= kMaxDevices) return;
  DeviceErrorFlag* flag = flags[device].load(std::memory_order_acquire);
  if (!flag) return;
  DeviceScope scope(device);
  DeviceErrorFlag seen;
  MINIDL_CUDA_CHECK(cudaMemcpy(&seen, flag, sizeof seen, cudaMemcpyDeviceToHost));
  if (seen.code == static_cast<int32_t>(DeviceErrorCode::None)) return;
  reset(flag);
  throw ValueError(device_error_message(seen, device));
}

void check_device_error_flags() {
  for (int device = 0; device < kMaxDevices; ++device) check_device_error_flag(device);
}

}  // namespace minidl::kernels::cuda
