#include "kernels/cuda/check.h"

namespace minidl::kernels::cuda::detail {

void throw_cuda_error(const char* call, const char* text, const char* file, int line) {
  throw CudaError(::minidl::detail::str_cat(call, " failed: ", text, " (", file, ":", line, ")"));
}

const char* cublas_status_text(cublasStatus_t status) { return cublasGetStatusString(status); }

}  // namespace minidl::kernels::cuda::detail
