// Where a tensor lives: the CPU or one CUDA device. The device travels with
// each tensor; there is no global mode.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace minidl {

enum class DeviceType : uint8_t { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  static constexpr Device cpu() { return {DeviceType::CPU, 0}; }
  static constexpr Device cuda(int index = 0) { return {DeviceType::CUDA, index}; }
  /// Parses "cpu", "cuda" or "cuda:N"; throws ValueError otherwise.
  static Device parse(std::string_view text);

  constexpr bool is_cpu() const { return type == DeviceType::CPU; }
  constexpr bool is_cuda() const { return type == DeviceType::CUDA; }
  std::string str() const;
  friend constexpr bool operator==(const Device&, const Device&) = default;
};

std::ostream& operator<<(std::ostream& out, const Device& device);

/// True when this build has the CUDA backend (it may still find no GPU).
bool cuda_compiled();
/// Number of usable CUDA devices; 0 without a GPU, a driver or the CUDA backend.
int cuda_device_count();
/// True when at least one CUDA device can be used.
bool cuda_available();
/// Why no CUDA device can be used ("" when one can): the CUDA runtime's own error, with the
/// driver's and the build's CUDA versions, or that the build has no CUDA backend.
std::string cuda_unavailable_reason();
/// Throws DeviceUnavailableError or DeviceError unless `device` can hold tensors.
void check_device(const Device& device);
/// The device a CUDA API call goes to; sets it for the calling thread.
void set_current_cuda_device(int index);

}  // namespace minidl
