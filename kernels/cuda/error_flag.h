// Data-dependent errors found inside CUDA kernels (a label or an index out of
// range). A kernel cannot throw, and checking on the host would cost a sync, so
// the kernel records the first error in a small per-device flag in device memory
// and the host reads it at the next synchronization (Stream::synchronize, and so
// every device-to-host copy), where it throws ValueError. No CUDA headers here.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/host_device.h"

namespace minidl::kernels::cuda {

enum class DeviceErrorCode : int32_t { None = 0, TargetOutOfRange = 1, IndexOutOfRange = 2 };

/// The first error a device reported: what (code), where (index: a row or a position), the bad
/// value and the bound it broke ([0, bound)).
struct DeviceErrorFlag {
  int32_t code = 0;
  int64_t index = 0;
  int64_t value = 0;
  int64_t bound = 0;
};

/// The ValueError text of a reported error (the CPU backend words the same errors the same way).
inline std::string device_error_message(const DeviceErrorFlag& flag, int device) {
  const auto where = ::minidl::detail::str_cat(" (reported by cuda:", device, " at synchronization)");
  switch (static_cast<DeviceErrorCode>(flag.code)) {
    case DeviceErrorCode::TargetOutOfRange:
      return ::minidl::detail::str_cat("cross_entropy: target ", flag.value, " at row ", flag.index,
                                       " is out of range for ", flag.bound,
                                       " classes (expected 0 <= target < ", flag.bound, ")", where);
    case DeviceErrorCode::IndexOutOfRange:
      return ::minidl::detail::str_cat("index_select: index ", flag.value, " at position ", flag.index,
                                       " is out of range for a dim of size ", flag.bound, where);
    case DeviceErrorCode::None: break;
  }
  return ::minidl::detail::str_cat("kernel error code ", flag.code, " at ", flag.index, where);
}

/// The flag of CUDA device `device` in device memory, for kernels to set (allocated on first use,
/// kept for the process). CUDA builds only.
DeviceErrorFlag* device_error_flag(int device);

/// Reads the flag of `device` (if it was ever handed to a kernel); when set, resets it and throws
/// ValueError with device_error_message. Call after work on the device is synchronized. A no-op
/// in builds without CUDA.
void check_device_error_flag(int device);
/// check_device_error_flag of every device.
void check_device_error_flags();

#if defined(__CUDACC__)
/// Records an error unless one is already recorded (the first one wins, atomically).
__device__ inline void raise_device_error(DeviceErrorFlag* flag, DeviceErrorCode code, int64_t index,
                                          int64_t value, int64_t bound) {
  if (atomicCAS(&flag->code, 0, static_cast<int32_t>(code)) != 0) return;
  flag->index = index;
  flag->value = value;
  flag->bound = bound;
}
#endif

}  // namespace minidl::kernels::cuda
