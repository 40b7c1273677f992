#include "kernels/map_layout.h"

namespace minidl::kernels {

MapLayout make_map_layout(const Tensor& out, const std::vector<Tensor>& inputs) {
  const int operands = 1 + static_cast<int>(inputs.size());
  MINIDL_CHECK(operands <= MapLayout::kMaxOperands, ValueError, "an element-wise map takes at most ",
               MapLayout::kMaxOperands - 1, " inputs, got ", inputs.size());
  const Shape& shape = out.shape();
  const auto ndim = static_cast<int64_t>(shape.size());

  // Strides of every operand over the output's dims; 0 where an input is broadcast.
  std::vector<std::vector<int64_t>> strides(operands, std::vector<int64_t>(shape.size(), 0));
  strides[0] = out.strides();
  for (int k = 1; k < operands; ++k) {
    const Tensor& in = inputs[k - 1];
    const int64_t lead = ndim - in.dim();
    for (int64_t d = 0; d < in.dim(); ++d)
      strides[k][lead + d] = in.shape()[d] == shape[lead + d] ? in.strides()[d] : 0;
  }

  // Keep dims of size > 1, innermost first, merging a dim into the one inside it when
  // every operand steps over it as one run.
  std::vector<int64_t> sizes;
  std::vector<std::vector<int64_t>> merged(operands);
  for (int64_t d = ndim - 1; d >= 0; --d) {
    if (shape[d] == 1) continue;
    bool mergeable = !sizes.empty();
    for (int k = 0; k < operands && mergeable; ++k)
      mergeable = strides[k][d] == merged[k].back() * sizes.back();
    if (mergeable) {
      sizes.back() *= shape[d];
      continue;
    }
    sizes.push_back(shape[d]);
    for (int k = 0; k < operands; ++k) merged[k].push_back(strides[k][d]);
  }
  MINIDL_CHECK(sizes.size() <= static_cast<std::size_t>(kMaxDims), ShapeError,
               "element-wise ops take at most ", kMaxDims, " non-mergeable dims, got shape ",
               shape_str(shape));

  MapLayout layout;
  layout.operands = operands;
  layout.ndim = static_cast<int>(sizes.size());
  layout.numel = out.numel();
  layout.contiguous = true;
  for (int d = 0; d < layout.ndim; ++d) {
    const int from = layout.ndim - 1 - d;  // back to outermost-first order
    layout.sizes[d] = sizes[from];
    for (int k = 0; k < operands; ++k) {
      layout.strides[k][d] = merged[k][from];
      if (merged[k][from] != 1) layout.contiguous = false;
    }
  }
  if (layout.ndim > 1) layout.contiguous = false;
  return layout;
}

}  // namespace minidl::kernels
