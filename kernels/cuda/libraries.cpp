// cuda_library_versions of kernels/libraries.h.
#include "kernels/libraries.h"

#include "kernels/cuda/check.h"

namespace minidl::kernels {

std::string cuda_library_versions() {
  int cublas = 0;
  cublasHandle_t handle = nullptr;
  MINIDL_CUBLAS_CHECK(cublasCreate(&handle));
  const cublasStatus_t status = cublasGetVersion(handle, &cublas);
  (void)cublasDestroy(handle);
  MINIDL_CUBLAS_CHECK(status);
  const auto dotted = [](std::size_t v, std::size_t major, std::size_t minor) {
    return std::to_string(v / major) + "." + std::to_string(v % major / minor) + "." + std::to_string(v % minor);
  };
  return "cuDNN " + dotted(cudnnGetVersion(), 10000, 100) + " (built with " +
         dotted(CUDNN_VERSION, 10000, 100) + "), cuBLAS " + dotted(static_cast<std::size_t>(cublas), 10000, 100) +
         " (built with " + dotted(CUBLAS_VERSION, 10000, 100) + ")";
}

}  // namespace minidl::kernels
