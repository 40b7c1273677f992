// TEMPORARY: a slow same-shape add so the autograd engine links until the
// element-wise kernels land (core/ops/elementwise.cpp replaces this file).
#include "core/ops/elementwise.h"

namespace minidl {
Tensor add(const Tensor& a, const Tensor& b) {
  MINIDL_CHECK(a.shape() == b.shape(), ShapeError, "add: ", shape_str(a.shape()), " vs ", shape_str(b.shape()));
  std::vector<double> x = a.to_vector<double>();
  const std::vector<double> y = b.to_vector<double>();
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += y[i];
  return from_vector<double>(x, a.shape()).to(a.dtype()).to(a.device());
}
}  // namespace minidl
