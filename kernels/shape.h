// Backend-neutral gather/scatter kernels of the shape ops (no autograd):
// index_select and its backward index_add, pad and its backward. cat and split
// need no kernel of their own (copies into / views of narrow slices).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace minidl::kernels {

/// out = x taken at `index` (int64, 1-d) along dim; x and out contiguous, same dtype and device.
/// An index outside [0, x.size(dim)) throws ValueError on the CPU; on CUDA it sets the device
/// error flag (reported at the next synchronization) and the element reads as 0.
void index_select(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& out);
/// dst[..., index[j], ...] += src[..., j, ...] along dim; repeated indices add up. dst, src
/// contiguous floating of one dtype; out-of-range indices are skipped (index_select reports them).
void index_add(const Tensor& dst, int64_t dim, const Tensor& index, const Tensor& src);

/// out (contiguous) = x (any strides) padded by before[d] elements before and out.size(d) -
/// x.size(d) - before[d] after each dim: with `value` (constant, negative padding crops) or with
/// the mirror image of x (reflect, 0 <= padding < size).
void pad(const Tensor& x, const Shape& before, bool reflect, double value, const Tensor& out);
/// grad_x (contiguous) = the sum of grad_out (contiguous) over the outputs each input element reached.
void pad_backward(const Tensor& grad_out, const Shape& before, bool reflect, const Tensor& grad_x);

}  // namespace minidl::kernels
