// OpenBLAS (CBLAS, row-major) behind kernels/cpu/linalg.h. OpenBLAS is set to one thread
// once; batches of small products run one per OpenMP thread, and a large product is split
// into blocks of rows (or columns) of C, one single-threaded GEMM per thread.
#include "kernels/cpu/linalg.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <climits>

#include "core/error.h"

namespace minidl::kernels::cpu {
namespace {

// openblas_get_parallel(): 0 sequential, 1 pthreads, 2 OpenMP (which already runs serially
// inside our parallel regions, and whose thread setter would change OpenMP's own count).
constexpr int kOpenBlasOpenMP = 2;
// Below this many multiply-adds (~0.1 ms on one core) a product is not worth splitting: a
// parallel region costs microseconds on an idle machine and far more on a busy one, where
// OpenMP's spinning barrier waits for a thread that lost its core.
constexpr int64_t kParallelGemmWork = int64_t{1} << 22;
// Rows (or columns) of C per thread, at least, so each block still feeds BLAS's kernels well.
constexpr int64_t kMinBlock = 16;

void use_one_blas_thread() {
  static const bool done = [] {
    if (openblas_get_parallel() != kOpenBlasOpenMP) openblas_set_num_threads(1);
    return true;
  }();
  (void)done;
}

CBLAS_TRANSPOSE op(bool trans) { return trans ? CblasTrans : CblasNoTrans; }

blasint blas_int(int64_t v) {
  MINIDL_CHECK(v <= INT_MAX, ValueError, "gemm: dimension ", v, " exceeds the BLAS integer range");
  return static_cast<blasint>(v);
}

void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, float alpha,
               const float* a, blasint lda, const float* b, blasint ldb, float beta, float* c, blasint ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, double alpha,
               const double* a, blasint lda, const double* b, blasint ldb, double beta, double* c,
               blasint ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace

int max_threads() { return omp_get_max_threads(); }

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  use_one_blas_thread();
  blas_gemm(op(trans_a), op(trans_b), blas_int(m), blas_int(n), blas_int(k), alpha, a, blas_int(lda), b,
            blas_int(ldb), beta, c, blas_int(ldc));
}

template <typename T>
void gemm_parallel(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                   int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  for (const int64_t v : {m, n, k, lda, ldb, ldc}) blas_int(v);  // throw here, not inside the parallel region
  const int threads = max_threads();
  const bool split_rows = m >= n;
  const int64_t extent = split_rows ? m : n;
  const int64_t blocks = std::min<int64_t>(threads, extent / kMinBlock);
  if (blocks < 2 || m * n * k < kParallelGemmWork || omp_in_parallel())
    return gemm<T>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  use_one_blas_thread();
#pragma omp parallel for num_threads(static_cast <int>(blocks)) schedule(static)
  for (int64_t block = 0; block < blocks; ++block) {
    const int64_t lo = extent * block / blocks, hi = extent * (block + 1) / blocks;
    if (split_rows) {  // rows lo..hi of C need rows lo..hi of op(A)
      const T* a_block = trans_a ? a + lo : a + lo * lda;
      gemm<T>(trans_a, trans_b, hi - lo, n, k, alpha, a_block, lda, b, ldb, beta, c + lo * ldc, ldc);
    } else {  // columns lo..hi of C need columns lo..hi of op(B)
      const T* b_block = trans_b ? b + lo * ldb : b + lo;
      gemm<T>(trans_a, trans_b, m, hi - lo, k, alpha, a, lda, b_block, ldb, beta, c + lo, ldc);
    }
  }
}

#define MINIDL_INSTANTIATE_GEMM(T)                                                                         \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T, \
                        T*, int64_t);                                                                      \
  template void gemm_parallel<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*,    \
                                 int64_t, T, T*, int64_t);
MINIDL_INSTANTIATE_GEMM(float)
MINIDL_INSTANTIATE_GEMM(double)
#undef MINIDL_INSTANTIATE_GEMM

namespace {
template <typename T> void run_batch(const GemmBatch& g) {
  const auto* a = static_cast<const T*>(g.a);
  const auto* b = static_cast<const T*>(g.b);
  auto* c = static_cast<T*>(g.c);
  const auto alpha = static_cast<T>(g.alpha);
  const auto beta = static_cast<T>(g.beta);
  for (const int64_t v : {g.m, g.n, g.k, g.lda, g.ldb, g.ldc}) blas_int(v);
  const int threads = max_threads();
  if (g.batch >= threads && threads > 1 && g.batch * g.m * g.n * g.k >= kParallelGemmWork) {  // side by side
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t i = 0; i < g.batch; ++i)
      gemm<T>(g.trans_a, g.trans_b, g.m, g.n, g.k, alpha, a + i * g.stride_a, g.lda, b + i * g.stride_b,
              g.ldb, beta, c + i * g.stride_c, g.ldc);
    return;
  }
  for (int64_t i = 0; i < g.batch; ++i)
    gemm_parallel<T>(g.trans_a, g.trans_b, g.m, g.n, g.k, alpha, a + i * g.stride_a, g.lda,
                     b + i * g.stride_b, g.ldb, beta, c + i * g.stride_c, g.ldc);
}
}  // namespace

void gemm_batched(const GemmBatch& g) {
  if (g.dtype == DType::Float32) return run_batch<float>(g);
  MINIDL_CHECK(g.dtype == DType::Float64, DTypeError,
               "gemm: the CPU backend computes float32 or float64, got ", g.dtype);
  run_batch<double>(g);
}

}  // namespace minidl::kernels::cpu
