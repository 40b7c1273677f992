// Dispatch of the reductions: dims normalized, output allocated with its final
// (keepdim or not) shape, the input described by a ReduceLayout, then a backend.
#include "kernels/reduction.h"

#include <algorithm>

#include "kernels/cpu/reduction.h"
#include "kernels/ops.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/reduction.h"
#endif

namespace minidl::kernels {
namespace {

// Sizes and strides of one group of dims, size-1 dims dropped and runs merged.
StridedIndexer group_indexer(const Tensor& x, const std::vector<bool>& reduced, bool want) {
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
  for (int64_t d = x.dim() - 1; d >= 0; --d) {
    if (reduced[d] != want || x.shape()[d] == 1) continue;
    if (!sizes.empty() && x.strides()[d] == strides.back() * sizes.back()) {
      sizes.back() *= x.shape()[d];
      continue;
    }
    sizes.push_back(x.shape()[d]);
    strides.push_back(x.strides()[d]);
  }
  MINIDL_CHECK(sizes.size() <= static_cast<std::size_t>(kMaxDims), ShapeError, "reductions take at most ",
               kMaxDims, " non-mergeable dims, got shape ", shape_str(x.shape()));
  StridedIndexer indexer;
  indexer.ndim = static_cast<int>(sizes.size());
  for (int d = 0; d < indexer.ndim; ++d) {
    indexer.sizes[d] = sizes[indexer.ndim - 1 - d];
    indexer.strides[d] = strides[indexer.ndim - 1 - d];
  }
  return indexer;
}

int64_t indexer_numel(const StridedIndexer& indexer) {
  int64_t n = 1;
  for (int d = 0; d < indexer.ndim; ++d) n *= indexer.sizes[d];
  return n;
}

struct Prepared {
  ReduceLayout layout;
  Tensor out;
};

Prepared prepare(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, DType out_dtype,
                 const char* op) {
  const std::vector<int64_t> reduce = reduction_dims(x.dim(), dims, op);
  std::vector<bool> mask(static_cast<std::size_t>(x.dim()), false);
  for (int64_t d : reduce) mask[d] = true;
  Prepared p;
  p.layout = make_reduce_layout(x, mask);
  p.out = empty(reduced_shape(x.shape(), reduce, keepdim), {.dtype = out_dtype, .device = x.device()});
  return p;
}

void check_floating(const Tensor& x, const char* op) {
  MINIDL_CHECK(is_floating(x.dtype()), DTypeError, op, ": expected a floating tensor, got dtype ", x.dtype());
}

}  // namespace

ReduceLayout make_reduce_layout(const Tensor& x, const std::vector<bool>& reduced) {
  MINIDL_CHECK(reduced.size() == static_cast<std::size_t>(x.dim()), ValueError,
               "make_reduce_layout: ", reduced.size(), " flags for a tensor of shape ", shape_str(x.shape()));
  ReduceLayout layout;
  layout.outer_index = group_indexer(x, reduced, false);
  layout.inner_index = group_indexer(x, reduced, true);
  layout.outer = indexer_numel(layout.outer_index);
  layout.inner = indexer_numel(layout.inner_index);
  layout.inner_contiguous =
      layout.inner_index.ndim == 0 || (layout.inner_index.ndim == 1 && layout.inner_index.strides[0] == 1);
  return layout;
}

std::vector<int64_t> reduction_dims(int64_t ndim, const std::vector<int64_t>& dims, const char* op) {
  std::vector<int64_t> out;
  if (dims.empty()) {
    for (int64_t d = 0; d < ndim; ++d) out.push_back(d);
    return out;
  }
  for (int64_t d : dims) {
    const int64_t nd = normalize_dim(d, ndim, op);
    MINIDL_CHECK(std::find(out.begin(), out.end(), nd) == out.end(), ValueError, op, ": dim ", nd,
                 " appears more than once in ", shape_str(dims));
    if (ndim > 0) out.push_back(nd);  // a 0-d tensor's dim 0/-1 names no real dim
  }
  std::sort(out.begin(), out.end());
  return out;
}

Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, bool keepdim) {
  Shape out;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    const bool reduced = std::binary_search(dims.begin(), dims.end(), static_cast<int64_t>(d));
    if (!reduced)
      out.push_back(shape[d]);
    else if (keepdim)
      out.push_back(1);
  }
  return out;
}

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const Prepared p = prepare(x, dims, keepdim, is_floating(x.dtype()) ? x.dtype() : DType::Int64, "sum");
  if (p.out.numel() == 0) return p.out;
  if (x.device().is_cpu())
    cpu::sum(p.layout, x, p.out, 1.0);
  else
    MINIDL_CUDA_DISPATCH(cuda::sum(p.layout, x, p.out, 1.0));
  return p.out;
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  check_floating(x, "mean");
  const Prepared p = prepare(x, dims, keepdim, x.dtype(), "mean");
  if (p.out.numel() == 0) return p.out;
  const double scale = 1.0 / static_cast<double>(p.layout.inner);  // inf for no elements: 0 * inf = NaN
  if (x.device().is_cpu())
    cpu::sum(p.layout, x, p.out, scale);
  else
    MINIDL_CUDA_DISPATCH(cuda::sum(p.layout, x, p.out, scale));
  return p.out;
}

Tensor var(const Tensor& x, const std::vector<int64_t>& dims, double correction, bool keepdim) {
  check_floating(x, "var");
  const Prepared p = prepare(x, dims, keepdim, x.dtype(), "var");
  if (p.out.numel() == 0) return p.out;
  if (x.device().is_cpu())
    cpu::var(p.layout, x, p.out, correction);
  else
    MINIDL_CUDA_DISPATCH(cuda::var(p.layout, x, p.out, correction));
  return p.out;
}

std::pair<Tensor, Tensor> max(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  check_floating(x, "max");
  const Prepared p = prepare(x, dims, keepdim, x.dtype(), "max");
  MINIDL_CHECK(p.layout.inner > 0 || p.out.numel() == 0, ValueError,
               "max: cannot reduce over a dimension of size 0 (input shape ", shape_str(x.shape()), ")");
  Tensor indices = empty(p.out.shape(), {.dtype = DType::Int64, .device = x.device()});
  if (p.out.numel() == 0) return {p.out, indices};
  if (x.device().is_cpu())
    cpu::max(p.layout, x, p.out, indices);
  else
    MINIDL_CUDA_DISPATCH(cuda::max(p.layout, x, p.out, indices));
  return {p.out, indices};
}

}  // namespace minidl::kernels
