#include "core/device.h"

#include <charconv>

#include "core/cuda/runtime.h"
#include "core/error.h"

namespace minidl {

Device Device::parse(std::string_view text) {
  if (text == "cpu") return cpu();
  if (text == "cuda") return cuda(0);
  if (text.starts_with("cuda:")) {
    int index = -1;
    const auto digits = text.substr(5);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec == std::errc() && end == digits.data() + digits.size() && index >= 0) return cuda(index);
  }
  throw ValueError(detail::str_cat("invalid device '", text, "': expected cpu, cuda or cuda:N"));
}

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

std::ostream& operator<<(std::ostream& out, const Device& device) { return out << device.str(); }

bool cuda_compiled() { return kernels::cuda::compiled(); }

int cuda_device_count() {
  static const int count = kernels::cuda::device_count();
  return count;
}

bool cuda_available() { return cuda_device_count() > 0; }

std::string cuda_unavailable_reason() { return cuda_available() ? "" : kernels::cuda::probe().error; }

void check_device(const Device& device) {
  if (device.is_cpu()) return;
  if (!cuda_compiled())
    throw DeviceUnavailableError(
        detail::str_cat("device ", device, " requested, but minidl was built without CUDA"));
  const int count = cuda_device_count();
  if (count == 0)
    throw DeviceUnavailableError(
        detail::str_cat("device ", device, " requested, but no CUDA device can be used: ",
                        cuda_unavailable_reason()));
  MINIDL_CHECK(device.index >= 0 && device.index < count, DeviceError, "device ", device,
               " does not exist: this machine has ", count, " CUDA device(s)");
}

void set_current_cuda_device(int index) { kernels::cuda::set_device(index); }

}  // namespace minidl
