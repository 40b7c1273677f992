// MINIDL_CUDA_CHECK: a CUDA runtime call that fails throws CudaError naming the call, the
// runtime's error text and file:line. Host-side header for the CUDA build only (core/cuda/
// and kernels/cuda/; kernels/cuda/check.h adds the cuBLAS, cuDNN and launch checks).
#pragma once

#include <cuda_runtime.h>

#include "core/error.h"

namespace minidl::kernels::cuda::detail {
[[noreturn]] void throw_cuda_error(const char* call, const char* text, const char* file, int line);
}  // namespace minidl::kernels::cuda::detail

#define MINIDL_CUDA_CHECK(call)                                                                  \
  do {                                                                                           \
    const cudaError_t minidl_status_ = (call);                                                   \
    if (minidl_status_ != cudaSuccess)                                                           \
      ::minidl::kernels::cuda::detail::throw_cuda_error(#call, cudaGetErrorString(minidl_status_), \
                                                        __FILE__, __LINE__);                     \
  } while (0)
