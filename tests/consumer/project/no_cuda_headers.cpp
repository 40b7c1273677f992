// Fails to compile if <minidl.h> pulls a CUDA header into user code (DESIGN.md:
// the umbrella header must not).
#include <minidl.h>

#if defined(__CUDA_RUNTIME_H__) || defined(__DRIVER_TYPES_H__) || defined(CUDART_VERSION) || \
    defined(CUDNN_MAJOR) || defined(CUBLAS_VER_MAJOR) || defined(__CUDA_FP16_H__)
#error "minidl.h includes a CUDA header"
#endif
