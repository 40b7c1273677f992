// Dispatch of matrix products: checks shapes (torch.matmul rules), describes each
// operand as a BLAS matrix without copying when its strides allow, merges batch dims
// into one strided batch (folding a shared right operand into one tall GEMM, as
// PyTorch does), and runs kernels/cpu/linalg.cpp or kernels/cuda/linalg.cpp.
#include "kernels/linalg.h"

#include <algorithm>

#include "kernels/cpu/linalg.h"
#include "kernels/ops.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/linalg.h"
#endif

namespace minidl::kernels {

MatrixLayout matrix_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
  // A size-1 dim has no meaningful stride; BLAS still wants ld >= max(1, stored columns).
  if ((cols == 1 || col_stride == 1) && (rows == 1 || row_stride >= std::max<int64_t>(1, cols)))
    return {true, false, rows == 1 ? std::max<int64_t>(1, cols) : row_stride};
  if ((rows == 1 || row_stride == 1) && (cols == 1 || col_stride >= std::max<int64_t>(1, rows)))
    return {true, true, cols == 1 ? std::max<int64_t>(1, rows) : col_stride};
  return {};
}

std::vector<BatchDim> merge_batch_dims(const Shape& sizes, const Shape& strides_a, const Shape& strides_b,
                                       const Shape& strides_c) {
  std::vector<BatchDim> dims;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 1) continue;
    const BatchDim d{sizes[i], strides_a[i], strides_b[i], strides_c[i]};
    if (!dims.empty()) {
      BatchDim& outer = dims.back();
      if (outer.stride_a == d.stride_a * d.size && outer.stride_b == d.stride_b * d.size &&
          outer.stride_c == d.stride_c * d.size) {
        outer = {outer.size * d.size, d.stride_a, d.stride_b, d.stride_c};
        continue;
      }
    }
    dims.push_back(d);
  }
  return dims;
}

namespace {

Shape batch_of(const Shape& s) { return Shape(s.begin(), s.end() - 2); }

// The broadcast of two batch shapes, or false when they do not broadcast.
bool broadcast_batch(const Shape& a, const Shape& b, Shape& out) {
  const std::size_t n = std::max(a.size(), b.size());
  out.assign(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

void run(const GemmBatch& g, const Device& device) {
  if (device.is_cpu())
    cpu::gemm_batched(g);
  else
    MINIDL_CUDA_DISPATCH(cuda::gemm_batched(g, device));
}

// A matrix operand BLAS can read: the tensor itself when its layout allows, else a copy.
Tensor readable(const Tensor& t) {
  const MatrixLayout l = matrix_layout(t.size(-2), t.size(-1), t.stride(-2), t.stride(-1));
  return l.readable ? t : t.contiguous();
}

}  // namespace

Shape matmul_output_shape(const Shape& a, const Shape& b) {
  MINIDL_CHECK(!a.empty() && !b.empty(), ShapeError, "matmul: both operands need at least 1 dim, got ",
               shape_str(a), " and ", shape_str(b));
  const Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
  const Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
  MINIDL_CHECK(a2.back() == b2[b2.size() - 2], ShapeError, "matmul: shapes ", shape_str(a), " and ",
               shape_str(b), " cannot be multiplied (", a2.back(), " vs ", b2[b2.size() - 2], ")");
  Shape out;
  MINIDL_CHECK(broadcast_batch(batch_of(a2), batch_of(b2), out), ShapeError, "matmul: batch dims of ",
               shape_str(a), " and ", shape_str(b), " do not broadcast");
  if (a.size() > 1) out.push_back(a2[a2.size() - 2]);
  if (b.size() > 1) out.push_back(b2.back());
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  const Shape shape = matmul_output_shape(a.shape(), b.shape());
  const Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
  const Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
  Shape full;
  broadcast_batch(batch_of(a2.shape()), batch_of(b2.shape()), full);
  full.push_back(a2.size(-2));
  full.push_back(b2.size(-1));
  const Tensor out = empty(full, {.dtype = a.dtype(), .device = a.device()});
  matmul_into(a2, b2, out);
  return out.view(shape);
}

void matmul_into(const Tensor& a, const Tensor& b, const Tensor& out, double alpha, double beta) {
  MINIDL_CHECK(a.dim() >= 2 && b.dim() >= 2 && out.dim() >= 2, ShapeError,
               "matmul_into: operands need 2+ dims, got ", shape_str(a.shape()), ", ", shape_str(b.shape()),
               " -> ", shape_str(out.shape()));
  MINIDL_CHECK(a.dtype() == b.dtype() && a.dtype() == out.dtype(), DTypeError,
               "matmul: dtypes differ: ", a.dtype(), " @ ", b.dtype(), " -> ", out.dtype());
  MINIDL_CHECK(is_floating(a.dtype()), DTypeError, "matmul: expected a floating dtype, got ", a.dtype());
  MINIDL_CHECK(a.device() == b.device() && a.device() == out.device(), DeviceError,
               "matmul: devices differ: ", a.device(), " @ ", b.device(), " -> ", out.device());
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  const Shape batch = batch_of(out.shape());
  Shape ab, all;  // the operands' batch dims must broadcast to exactly the output's
  MINIDL_CHECK(b.size(-2) == k && out.size(-2) == m && out.size(-1) == n &&
                   broadcast_batch(batch_of(a.shape()), batch_of(b.shape()), ab) &&
                   broadcast_batch(ab, batch, all) && all == batch,
               ShapeError, "matmul: shapes ", shape_str(a.shape()), " @ ", shape_str(b.shape()),
               " do not give ", shape_str(out.shape()));
  MINIDL_CHECK(out.is_contiguous(), ValueError, "matmul_into: the output must be contiguous");
  if (out.numel() == 0) return;
  if (a.device().is_cpu() && !(a.dtype() == DType::Float32 || a.dtype() == DType::Float64)) {
    // OpenBLAS has no 16-bit GEMM: compute in float32 and round once.
    const Tensor out32 = out.to(DType::Float32);
    matmul_into(a.to(DType::Float32), b.to(DType::Float32), out32, alpha, beta);
    out.copy_(out32);
    return;
  }
  if (k == 0 && beta == 0.0) return fill(out, 0.0);

  Shape a_full = batch, b_full = batch;
  a_full.insert(a_full.end(), {m, k});
  b_full.insert(b_full.end(), {k, n});
  const Tensor ae = readable(a).expand(a_full);
  const Tensor be = readable(b).expand(b_full);
  const MatrixLayout la = matrix_layout(m, k, ae.stride(-2), ae.stride(-1));
  const MatrixLayout lb = matrix_layout(k, n, be.stride(-2), be.stride(-1));
  const auto nb = static_cast<std::ptrdiff_t>(batch.size());
  std::vector<BatchDim> dims = merge_batch_dims(batch, Shape(ae.strides().begin(), ae.strides().begin() + nb),
                                                Shape(be.strides().begin(), be.strides().begin() + nb),
                                                Shape(out.strides().begin(), out.strides().begin() + nb));
  const BatchDim inner = dims.empty() ? BatchDim{} : dims.back();
  if (!dims.empty()) dims.pop_back();

  GemmBatch g{.dtype = a.dtype(),
              .m = m,
              .n = n,
              .k = k,
              .batch = inner.size,
              .a = nullptr,
              .lda = la.ld,
              .stride_a = inner.stride_a,
              .trans_a = la.trans,
              .b = nullptr,
              .ldb = lb.ld,
              .stride_b = inner.stride_b,
              .trans_b = lb.trans,
              .c = nullptr,
              .ldc = n,
              .stride_c = inner.stride_c,
              .alpha = alpha,
              .beta = beta};
  // A shared right operand and stacked left rows: one tall GEMM instead of a batch of small ones.
  if (dims.empty() && g.batch > 1 && g.stride_b == 0 && !g.trans_a && g.stride_a == m * g.lda &&
      g.stride_c == m * g.ldc) {
    g.m *= g.batch;
    g.batch = 1;
  }
  const auto esize = static_cast<int64_t>(element_size(a.dtype()));
  int64_t outer_count = 1;
  for (const BatchDim& d : dims) outer_count *= d.size;
  for (int64_t i = 0; i < outer_count; ++i) {
    int64_t rest = i, off_a = 0, off_b = 0, off_c = 0;
    for (auto d = dims.rbegin(); d != dims.rend(); ++d) {
      const int64_t idx = rest % d->size;
      rest /= d->size;
      off_a += idx * d->stride_a;
      off_b += idx * d->stride_b;
      off_c += idx * d->stride_c;
    }
    g.a = static_cast<const char*>(ae.data_ptr()) + off_a * esize;
    g.b = static_cast<const char*>(be.data_ptr()) + off_b * esize;
    g.c = static_cast<char*>(out.data_ptr()) + off_c * esize;
    run(g, a.device());
  }
}

}  // namespace minidl::kernels
