// Matrix products without autograd: torch.matmul semantics (1-d operands, broadcast
// batch dims) on OpenBLAS (CPU) or cuBLAS (CUDA). Operands are read in place when
// their last two dims are row- or column-major (transposed views cost no copy).
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace minidl::kernels {

/// One strided batch of row-major products C[i] = alpha * op(A[i]) @ op(B[i]) + beta * C[i],
/// C[i] m x n, op(A[i]) m x k, op(B[i]) k x n, as the backends execute it. A transposed operand
/// is stored as the row-major transpose (k x m for A). A batch stride of 0 reuses one matrix.
struct GemmBatch {
  DType dtype = DType::Float32;
  int64_t m = 0, n = 0, k = 0, batch = 1;
  const void* a = nullptr;
  int64_t lda = 1, stride_a = 0;
  bool trans_a = false;
  const void* b = nullptr;
  int64_t ldb = 1, stride_b = 0;
  bool trans_b = false;
  void* c = nullptr;
  int64_t ldc = 1, stride_c = 0;
  double alpha = 1.0, beta = 0.0;
};

/// The shape of matmul(a, b) (torch.matmul rules); throws ShapeError naming both shapes.
Shape matmul_output_shape(const Shape& a, const Shape& b);

/// How a BLAS routine can read a rows x cols matrix with the given element strides:
/// row-major (trans = false, ld = row stride) or as the transpose of a row-major
/// matrix (trans = true, ld = column stride); readable = false when a copy is needed.
struct MatrixLayout {
  bool readable = false;
  bool trans = false;
  int64_t ld = 1;
};
MatrixLayout matrix_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride);

/// One group of batch dims that a single batch stride per operand walks through.
struct BatchDim {
  int64_t size = 1;
  int64_t stride_a = 0, stride_b = 0, stride_c = 0;
};
/// Batch dims (sizes, and strides of A, B, C) with size-1 dims dropped and neighbours merged
/// where every operand steps through them with one stride; the last entry varies fastest.
std::vector<BatchDim> merge_batch_dims(const Shape& sizes, const Shape& strides_a, const Shape& strides_b,
                                       const Shape& strides_c);

/// torch.matmul(a, b): same dtype and device; floating dtypes.
Tensor matmul(const Tensor& a, const Tensor& b);

/// out = alpha * a @ b + beta * out for a [..., m, k], b [..., k, n] (batch dims broadcast to
/// out's) and a contiguous out [..., m, n]; beta = 0 ignores out's old values (NaN included).
void matmul_into(const Tensor& a, const Tensor& b, const Tensor& out, double alpha = 1.0, double beta = 0.0);

}  // namespace minidl::kernels
