// Index maps of index_select / index_add and of pad (constant and reflect),
// written once for the CPU loops and the CUDA kernels. Reflect padding mirrors
// about the edge element without repeating it (PyTorch's "reflect"):
// [a b c d] padded by 2 on the left is [c b | a b c d].
#pragma once

#include <cstdint>

#include "core/host_device.h"
#include "kernels/math/indexing.h"

namespace minidl::kernels {

/// A contiguous tensor around the selected dim: (outer, size, inner); the result is (outer, count, inner).
struct IndexSelectGeometry {
  int64_t outer, size, inner, count;
};

/// Position j along the selected dim of element `linear` of the result (or of index_add's source).
MINIDL_HD_INLINE int64_t index_select_position(const IndexSelectGeometry& g, int64_t linear) {
  return (linear / g.inner) % g.count;
}

/// Offset in the (outer, size, inner) tensor that element `linear` of the result reads (or that
/// index_add's source element adds to), given the index value at its position.
MINIDL_HD_INLINE int64_t index_select_source(const IndexSelectGeometry& g, int64_t linear, int64_t index) {
  const int64_t i = linear % g.inner;
  const int64_t o = linear / g.inner / g.count;
  return (o * g.size + index) * g.inner + i;
}

/// Sizes, padding and input strides of a pad over every dim (0 padding on the untouched ones).
struct PadGeometry {
  int ndim = 0;
  bool reflect = false;
  int64_t in_sizes[kMaxDims] = {};
  int64_t in_strides[kMaxDims] = {};  // of the forward's input, in elements
  int64_t out_sizes[kMaxDims] = {};
  int64_t before[kMaxDims] = {};  // padding before each dim (negative crops in constant mode)
};

/// Input index along one dim of output index o, or -1 where the output is constant padding.
MINIDL_HD_INLINE int64_t pad_source_index(int64_t o, int64_t before, int64_t size, bool reflect) {
  int64_t i = o - before;
  if (reflect) {
    if (i < 0) i = -i;
    if (i >= size) i = 2 * (size - 1) - i;
    return i;
  }
  return i >= 0 && i < size ? i : -1;
}

/// Offset (input strides) that output element `linear` copies, or -1 for a padding element.
MINIDL_HD_INLINE int64_t pad_source_offset(const PadGeometry& g, int64_t linear) {
  int64_t offset = 0;
  for (int d = g.ndim - 1; d >= 0; --d) {
    const int64_t o = linear % g.out_sizes[d];
    linear /= g.out_sizes[d];
    const int64_t i = pad_source_index(o, g.before[d], g.in_sizes[d], g.reflect);
    if (i < 0) return -1;
    offset += i * g.in_strides[d];
  }
  return offset;
}

/// The output indices along one dim that read input index i (at most 3: itself, and its mirror
/// images in the left and right reflect padding); returns how many.
MINIDL_HD_INLINE int pad_output_indices(int64_t i, int64_t before, int64_t size, int64_t out_size,
                                        bool reflect, int64_t out[3]) {
  int n = 0;
  const int64_t direct = i + before;
  if (direct >= 0 && direct < out_size) out[n++] = direct;
  if (!reflect) return n;
  if (i >= 1 && before - i >= 0) out[n++] = before - i;
  const int64_t mirrored = before + 2 * (size - 1) - i;
  if (i <= size - 2 && mirrored < out_size) out[n++] = mirrored;
  return n;
}

/// The pad backward of input element `linear` (contiguous in in_sizes): the sum of the contiguous
/// output gradient over every output element that copied it. A gather, so no atomics are needed.
template <typename A, typename Load>
MINIDL_HD_INLINE A pad_backward_value(const PadGeometry& g, int64_t linear, Load grad_out) {
  int64_t candidates[kMaxDims][3];
  int count[kMaxDims];
  int pick[kMaxDims];
  for (int d = g.ndim - 1; d >= 0; --d) {
    const int64_t i = linear % g.in_sizes[d];
    linear /= g.in_sizes[d];
    count[d] = pad_output_indices(i, g.before[d], g.in_sizes[d], g.out_sizes[d], g.reflect, candidates[d]);
    if (count[d] == 0) return A(0);  // cropped away
    pick[d] = 0;
  }
  A total = 0;
  for (;;) {
    int64_t offset = 0, stride = 1;
    for (int d = g.ndim - 1; d >= 0; --d) {
      offset += candidates[d][pick[d]] * stride;
      stride *= g.out_sizes[d];
    }
    total += grad_out(offset);
    int d = g.ndim - 1;  // next combination, last dim fastest
    while (d >= 0 && ++pick[d] == count[d]) pick[d--] = 0;
    if (d < 0) return total;
  }
}

}  // namespace minidl::kernels
