// Error checks for cuBLAS and cuDNN calls and kernel launches (and, from
// core/cuda/check.h, CUDA runtime calls): each throws CudaError naming the API call,
// the error text and file:line. Host-side header for .cpp/.cu files of the CUDA backend only.
#pragma once

#include <cublas_v2.h>
#include <cudnn.h>

#include "core/cuda/check.h"

namespace minidl::kernels::cuda::detail {
const char* cublas_status_text(cublasStatus_t status);
}  // namespace minidl::kernels::cuda::detail

#define MINIDL_CUBLAS_CHECK(call)                                                               \
  do {                                                                                          \
    const cublasStatus_t minidl_status_ = (call);                                               \
    if (minidl_status_ != CUBLAS_STATUS_SUCCESS)                                                \
      ::minidl::kernels::cuda::detail::throw_cuda_error(                                        \
          #call, ::minidl::kernels::cuda::detail::cublas_status_text(minidl_status_), __FILE__, \
          __LINE__);                                                                            \
  } while (0)

#define MINIDL_CUDNN_CHECK(call)                                                                  \
  do {                                                                                            \
    const cudnnStatus_t minidl_status_ = (call);                                                  \
    if (minidl_status_ != CUDNN_STATUS_SUCCESS)                                                   \
      ::minidl::kernels::cuda::detail::throw_cuda_error(#call, cudnnGetErrorString(minidl_status_), \
                                                        __FILE__, __LINE__);                      \
  } while (0)

/// Checks the launch just made (configuration errors; faults surface at the next sync).
#define MINIDL_CUDA_CHECK_LAUNCH(kernel_name)                                                  \
  do {                                                                                         \
    const cudaError_t minidl_status_ = cudaGetLastError();                                     \
    if (minidl_status_ != cudaSuccess)                                                         \
      ::minidl::kernels::cuda::detail::throw_cuda_error("launch of " #kernel_name,             \
                                                        cudaGetErrorString(minidl_status_),    \
                                                        __FILE__, __LINE__);                   \
  } while (0)
