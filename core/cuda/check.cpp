// throw_cuda_error of core/cuda/check.h.
#include "core/cuda/check.h"

namespace minidl::kernels::cuda::detail {

void throw_cuda_error(const char* call, const char* text, const char* file, int line) {
  throw CudaError(::minidl::detail::str_cat(call, " failed: ", text, " (", file, ":", line, ")"));
}

}  // namespace minidl::kernels::cuda::detail
