// OpenBLAS GEMM for the CPU backend: the strided batches of kernels/linalg.cpp and typed
// row-major products on raw pointers for conv2d's im2col GEMMs. OpenBLAS runs on one
// thread and all parallelism is ours (OpenMP): a pthread OpenBLAS keeps its own threads
// spinning between calls, which on a small machine starves our OpenMP loops.
#pragma once

#include <cstdint>

#include "kernels/linalg.h"

namespace minidl::kernels::cpu {

/// Runs every product of the batch (float32 or float64).
void gemm_batched(const GemmBatch& g);

/// Row-major c = alpha * op(a) @ op(b) + beta * c on the calling thread; op(a) is m x k, op(b) k x n
/// (T = float or double). Safe inside an OpenMP parallel region.
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

/// The same product split into row or column blocks of c over the OpenMP threads (call it
/// outside parallel regions; small products run on the calling thread).
template <typename T>
void gemm_parallel(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                   int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

/// Threads our OpenMP loops use (omp_get_max_threads()).
int max_threads();

}  // namespace minidl::kernels::cpu
