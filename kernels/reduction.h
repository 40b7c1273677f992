// Backend-neutral reductions without autograd (sum, mean, var, max with argmax) over
// any set of dims, then kernels/cpu/ or kernels/cuda/ by device. The input is seen as
// `outer` segments (one per output, kept dims in order) of `inner` elements (the
// reduced dims in order), both addressed through strides, so no input is copied.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/host_device.h"
#include "core/tensor.h"
#include "kernels/math/indexing.h"

namespace minidl::kernels {

struct ReduceLayout {
  int64_t outer = 1;              // outputs
  int64_t inner = 1;              // elements reduced into each output
  StridedIndexer outer_index;     // over the kept dims: where segment o starts
  StridedIndexer inner_index;     // over the reduced dims: offsets within a segment
  bool inner_contiguous = false;  // element r of a segment is at +r

  MINIDL_HD_INLINE int64_t base(int64_t o) const { return outer_index.offset(o); }
  MINIDL_HD_INLINE int64_t offset(int64_t r) const { return inner_contiguous ? r : inner_index.offset(r); }
};

/// The layout reducing the dims of x where reduced[d] (dims of size 1 dropped, runs merged).
ReduceLayout make_reduce_layout(const Tensor& x, const std::vector<bool>& reduced);

/// Sorted, unique, non-negative dims; empty means every dim. Throws ValueError naming op.
std::vector<int64_t> reduction_dims(int64_t ndim, const std::vector<int64_t>& dims, const char* op);
/// The shape after reducing `dims` (sorted, from reduction_dims).
Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, bool keepdim);

/// Sum; floating dtypes keep theirs (16-bit ones accumulate in float), integers and bool give int64.
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim);
/// Mean of a floating tensor (NaN over no elements).
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim);
/// Two-pass variance of a floating tensor, divided by n - correction.
Tensor var(const Tensor& x, const std::vector<int64_t>& dims, double correction, bool keepdim);
/// Maxima of a floating tensor and the int64 index of each one's first occurrence,
/// counted row-major over the reduced dims.
std::pair<Tensor, Tensor> max(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim);

}  // namespace minidl::kernels
