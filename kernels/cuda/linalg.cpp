// cuBLAS behind kernels/cuda/linalg.h. cuBLAS is column-major: a row-major
// C = op(A) @ op(B) is the column-major C^T = op(B)^T @ op(A)^T, so each call swaps the
// operands and m with n and keeps the transpose flags (a row-major matrix read
// column-major is its transpose). One handle per thread and device, set to the current
// stream; float32 runs on TF32 tensor cores only while allow_tf32_matmul() (core/math_mode.h).
#include "kernels/cuda/linalg.h"

#include <climits>

#include "core/cuda/runtime.h"
#include "core/math_mode.h"
#include "core/stream.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/handle_pool.h"

namespace minidl::kernels::cuda {
namespace {

// One handle per thread and device (kernels/cuda/handle_pool.h). The pool is never destroyed:
// destroying handles from a static destructor can run after the CUDA runtime has shut down.
cublasHandle_t handle_for(int device) {
  static auto* pool = new HandlePool<cublasHandle_t>([](int) {
    cublasHandle_t handle = nullptr;
    MINIDL_CUBLAS_CHECK(cublasCreate(&handle));
    return handle;
  });
  return pool->for_this_thread(device);
}

int as_int(int64_t v, const char* what) {
  MINIDL_CHECK(v >= 0 && v <= INT_MAX, ValueError, "cuBLAS gemm: ", what, " = ", v, " exceeds the int range");
  return static_cast<int>(v);
}

cudaDataType_t cuda_type(DType dtype) { return dtype == DType::Float16 ? CUDA_R_16F : CUDA_R_16BF; }

}  // namespace

void gemm_batched(const GemmBatch& g, const Device& device) {
  set_device(device.index);
  const cublasHandle_t handle = handle_for(device.index);
  MINIDL_CUBLAS_CHECK(cublasSetStream(handle, static_cast<cudaStream_t>(Stream::current(device).handle())));
  const cublasOperation_t op_a = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int m = as_int(g.m, "m"), n = as_int(g.n, "n"), k = as_int(g.k, "k");
  const int lda = as_int(g.lda, "lda"), ldb = as_int(g.ldb, "ldb"), ldc = as_int(g.ldc, "ldc");
  const int batch = as_int(g.batch, "batch");
  const auto sa = static_cast<long long>(g.stride_a), sb = static_cast<long long>(g.stride_b),
             sc = static_cast<long long>(g.stride_c);
  switch (g.dtype) {
    case DType::Float32: {
      const auto alpha = static_cast<float>(g.alpha), beta = static_cast<float>(g.beta);
      const auto* a = static_cast<const float*>(g.a);
      const auto* b = static_cast<const float*>(g.b);
      auto* c = static_cast<float*>(g.c);
      if (allow_tf32_matmul()) {
        MINIDL_CUBLAS_CHECK(cublasGemmStridedBatchedEx(handle, op_b, op_a, n, m, k, &alpha, b, CUDA_R_32F, ldb, sb,
                                                       a, CUDA_R_32F, lda, sa, &beta, c, CUDA_R_32F, ldc, sc,
                                                       batch, CUBLAS_COMPUTE_32F_FAST_TF32, CUBLAS_GEMM_DEFAULT));
        return;
      }
      MINIDL_CUBLAS_CHECK(cublasSgemmStridedBatched(handle, op_b, op_a, n, m, k, &alpha, b, ldb, sb, a, lda,
                                                    sa, &beta, c, ldc, sc, batch));
      return;
    }
    case DType::Float64: {
      const double alpha = g.alpha, beta = g.beta;
      const auto* a = static_cast<const double*>(g.a);
      const auto* b = static_cast<const double*>(g.b);
      auto* c = static_cast<double*>(g.c);
      MINIDL_CUBLAS_CHECK(cublasDgemmStridedBatched(handle, op_b, op_a, n, m, k, &alpha, b, ldb, sb, a, lda,
                                                    sa, &beta, c, ldc, sc, batch));
      return;
    }
    case DType::Float16:
    case DType::BFloat16: {
      // 16-bit storage, float32 accumulation and scalars (CUBLAS_COMPUTE_32F takes float alpha/beta).
      const auto alpha = static_cast<float>(g.alpha), beta = static_cast<float>(g.beta);
      const cudaDataType_t t = cuda_type(g.dtype);
      MINIDL_CUBLAS_CHECK(cublasGemmStridedBatchedEx(handle, op_b, op_a, n, m, k, &alpha, g.b, t, ldb, sb,
                                                     g.a, t, lda, sa, &beta, g.c, t, ldc, sc, batch,
                                                     CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
      return;
    }
    default: throw DTypeError(::minidl::detail::str_cat("cuBLAS gemm: unsupported dtype ", g.dtype));
  }
}

}  // namespace minidl::kernels::cuda
