// cuda_library_versions of kernels/libraries.h in a build without CUDA.
#include "core/error.h"
#include "kernels/libraries.h"

namespace minidl::kernels {

std::string cuda_library_versions() {
  throw DeviceUnavailableError(
      "cuda_library_versions: minidl was built without CUDA (configure with -DMINIDL_CUDA=ON on a machine with nvcc)");
}

}  // namespace minidl::kernels
