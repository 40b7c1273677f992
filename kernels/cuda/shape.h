// CUDA launchers of index_select, index_add and pad; arguments checked by kernels/shape.cpp.
#pragma once

#include "core/tensor.h"
#include "kernels/math/shape.h"

namespace minidl::kernels::cuda {
void index_select(const Tensor& x, const Tensor& index, const IndexSelectGeometry& geometry,
                  const Tensor& out);
void index_add(const Tensor& dst, const Tensor& index, const IndexSelectGeometry& geometry,
               const Tensor& src);
void pad(const Tensor& x, const PadGeometry& geometry, double value, const Tensor& out);
void pad_backward(const Tensor& grad_out, const PadGeometry& geometry, const Tensor& grad_x);
}  // namespace minidl::kernels::cuda
