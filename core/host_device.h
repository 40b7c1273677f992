// Lets the per-element math (kernels/math/, core/half.h) compile as plain C++ for the CPU
// backend and as __host__ __device__ code for the CUDA backend.
#pragma once

#if defined(__CUDACC__)
#define MINIDL_HD __host__ __device__
#define MINIDL_HD_INLINE __host__ __device__ __forceinline__
#else
#define MINIDL_HD
#define MINIDL_HD_INLINE inline
#endif
