// The device error flags of a build without the CUDA backend: no kernel can set
// one, so the checks at synchronization points do nothing.
#include "kernels/cuda/error_flag.h"

namespace minidl::kernels::cuda {

DeviceErrorFlag* device_error_flag(int) {
  throw DeviceUnavailableError("device_error_flag: minidl was built without CUDA");
}
void check_device_error_flag(int) {}
void check_device_error_flags() {}

}  // namespace minidl::kernels::cuda
