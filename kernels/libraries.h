// The versions of the CUDA libraries the kernels use (cuDNN, cuBLAS), for reports such as
// minidl_preflight's. Implemented in kernels/cuda/ and, without CUDA, kernels/no_cuda/.
#pragma once

#include <string>

namespace minidl::kernels {

/// "cuDNN 9.x.y (built with 9.a.b), cuBLAS 13.x.y (built with ...)" of the libraries loaded at
/// run time; CudaError when a library cannot be used, DeviceUnavailableError without CUDA.
std::string cuda_library_versions();

}  // namespace minidl::kernels
