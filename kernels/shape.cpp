// Dispatch of index_select, index_add and pad to the CPU or CUDA backend, after
// checking shapes, dtypes and devices and building the index geometry of
// kernels/math/shape.h. Index values of CPU tensors are checked here, before any work.
#include "kernels/shape.h"

#include <algorithm>

#include "kernels/cpu/shape.h"
#include "kernels/math/cast.h"
#include "kernels/ops.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/shape.h"
#endif

namespace minidl::kernels {
namespace {

void check_pair(const Tensor& a, const Tensor& b, const char* op, const char* a_name, const char* b_name) {
  MINIDL_CHECK(a.dtype() == b.dtype(), DTypeError, op, ": ", a_name, " has dtype ", a.dtype(), " but ",
               b_name, " has dtype ", b.dtype());
  MINIDL_CHECK(a.device() == b.device(), DeviceError, op, ": ", a_name, " is on ", a.device(), " but ",
               b_name, " is on ", b.device());
}

void check_contiguous(const Tensor& t, const char* op, const char* name) {
  MINIDL_CHECK(t.is_contiguous(), ValueError, op, ": ", name, " must be contiguous (shape ",
               shape_str(t.shape()), ", strides ", shape_str(t.strides()), ")");
}

// Checks index and returns the geometry of selecting it along `dim` of `full` into `selected`.
IndexSelectGeometry index_geometry(const Tensor& full, int64_t dim, const Tensor& index,
                                   const Tensor& selected, const char* op) {
  MINIDL_CHECK(index.dtype() == DType::Int64, DTypeError, op, ": expected an int64 index, got ",
               index.dtype());
  MINIDL_CHECK(index.dim() <= 1, ShapeError, op, ": expected a 1-d index, got shape ",
               shape_str(index.shape()));
  MINIDL_CHECK(index.device() == full.device(), DeviceError, op, ": the index is on ", index.device(),
               " but the tensor on ", full.device());
  check_pair(full, selected, op, "the tensor", "the selection");
  check_contiguous(full, op, "the tensor");
  check_contiguous(selected, op, "the selection");
  check_contiguous(index, op, "the index");
  const int64_t d = normalize_dim(dim, std::max<int64_t>(full.dim(), 1), op);
  Shape expected = full.shape();
  if (!expected.empty()) expected[static_cast<std::size_t>(d)] = index.numel();
  MINIDL_CHECK(selected.shape() == expected, ShapeError, op, ": selecting ", index.numel(),
               " indices along dim ", d, " of shape ", shape_str(full.shape()), " gives shape ",
               shape_str(expected), ", not ", shape_str(selected.shape()));
  IndexSelectGeometry g{1, 1, 1, index.numel()};
  for (int64_t i = 0; i < full.dim(); ++i) {
    if (i < d)
      g.outer *= full.size(i);
    else if (i == d)
      g.size = full.size(i);
    else
      g.inner *= full.size(i);
  }
  return g;
}

void check_index_values(const Tensor& index, int64_t size, const char* op) {
  const int64_t* values = index.data<int64_t>();
  for (int64_t j = 0; j < index.numel(); ++j)
    MINIDL_CHECK(values[j] >= 0 && values[j] < size, ValueError, op, ": index ", values[j], " at position ",
                 j, " is out of range for a dim of size ", size);
}

bool is_16bit(DType dtype) { return dtype == DType::Float16 || dtype == DType::BFloat16; }

PadGeometry pad_geometry(const Tensor& x, const Shape& before, bool reflect, const Tensor& out,
                         const char* op) {
  MINIDL_CHECK(x.dim() <= kMaxDims, ShapeError, op, ": at most ", kMaxDims, " dims, got shape ",
               shape_str(x.shape()));
  MINIDL_CHECK(static_cast<int64_t>(before.size()) == x.dim() && out.dim() == x.dim(), ShapeError, op,
               ": padding of ", before.size(), " dims from shape ", shape_str(x.shape()), " to shape ",
               shape_str(out.shape()));
  PadGeometry g;
  g.ndim = static_cast<int>(x.dim());
  g.reflect = reflect;
  for (int d = 0; d < g.ndim; ++d) {
    g.in_sizes[d] = x.size(d);
    g.in_strides[d] = x.stride(d);
    g.out_sizes[d] = out.size(d);
    g.before[d] = before[static_cast<std::size_t>(d)];
    const int64_t after = g.out_sizes[d] - g.in_sizes[d] - g.before[d];
    MINIDL_CHECK(g.out_sizes[d] >= 0, ShapeError, op, ": padding makes dim ", d, " negative (", g.in_sizes[d],
                 " + ", g.before[d], " + ", after, ")");
    if (reflect && (g.before[d] != 0 || after != 0))
      MINIDL_CHECK(g.before[d] >= 0 && after >= 0 && g.before[d] < g.in_sizes[d] && after < g.in_sizes[d],
                   ValueError, op, ": reflect padding (", g.before[d], ", ", after, ") of dim ", d,
                   " must be non-negative and smaller than its size ", g.in_sizes[d], " (shape ",
                   shape_str(x.shape()), ")");
  }
  return g;
}

}  // namespace

void index_select(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out) {
  const IndexSelectGeometry g = index_geometry(x, dim, index, out, "index_select");
  if (out.numel() == 0) return;
  if (x.device().is_cpu()) {
    check_index_values(index, g.size, "index_select");
    cpu::index_select(x, index, g, out);
  } else {
    MINIDL_CUDA_DISPATCH(cuda::index_select(x, index, g, out));
  }
}

void index_add(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src) {
  const IndexSelectGeometry g = index_geometry(dst, dim, index, src, "index_add");
  MINIDL_CHECK(is_floating(dst.dtype()), DTypeError, "index_add: expected a floating tensor, got ",
               dst.dtype());
  if (src.numel() == 0) return;
  if (is_16bit(dst.dtype())) {  // accumulate in float32 (16-bit sums lose too much; CUDA has no 16-bit
                                // atomics here)
    const Tensor wide_dst = dst.to(DType::Float32);
    index_add(wide_dst, dim, index, src.to(DType::Float32));
    copy(wide_dst, dst);
    return;
  }
  if (dst.device().is_cpu())
    cpu::index_add(dst, index, g, src);
  else
    MINIDL_CUDA_DISPATCH(cuda::index_add(dst, index, g, src));
}

void pad(const Tensor& x, const Shape& before, bool reflect, double value, const Tensor& out) {
  check_pair(x, out, "pad", "the input", "the output");
  check_contiguous(out, "pad", "the output");
  const PadGeometry g = pad_geometry(x, before, reflect, out, "pad");
  if (out.numel() == 0) return;
  MINIDL_CHECK(!reflect || x.numel() > 0, ValueError, "pad: cannot reflect-pad an empty tensor of shape ",
               shape_str(x.shape()));
  if (x.device().is_cpu())
    cpu::pad(x, g, value, out);
  else
    MINIDL_CUDA_DISPATCH(cuda::pad(x, g, value, out));
}

void pad_backward(const Tensor& grad_out, const Shape& before, bool reflect, const Tensor& grad_x) {
  check_pair(grad_out, grad_x, "pad backward", "the output gradient", "the input gradient");
  MINIDL_CHECK(is_floating(grad_x.dtype()), DTypeError, "pad backward: expected a floating gradient, got ",
               grad_x.dtype());
  check_contiguous(grad_out, "pad backward", "the output gradient");
  check_contiguous(grad_x, "pad backward", "the input gradient");
  const PadGeometry g = pad_geometry(grad_x, before, reflect, grad_out, "pad backward");
  if (grad_x.numel() == 0) return;
  if (grad_x.device().is_cpu())
    cpu::pad_backward(grad_out, g, grad_x);
  else
    MINIDL_CUDA_DISPATCH(cuda::pad_backward(grad_out, g, grad_x));
}

}  // namespace minidl::kernels
