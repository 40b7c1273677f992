// cublas_status_text of kernels/cuda/check.h.
#include "kernels/cuda/check.h"

namespace minidl::kernels::cuda::detail {

const char* cublas_status_text(cublasStatus_t status) { return cublasGetStatusString(status); }

}  // namespace minidl::kernels::cuda::detail
