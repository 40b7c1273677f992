// The differentiable reductions over kernels/reduction.h. Backward: sum spreads the
// gradient over the reduced dims, mean also divides by the count, var multiplies by
// 2 (x - mean) / (n - correction), max sends it to the argmax; sum_to is the backward
// of broadcasting (sum over the broadcast dims).
#include "core/ops/reduction.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "kernels/reduction.h"

namespace minidl {
namespace {

// The gradient of a reduction's output, reshaped as if keepdim and broadcast to the input.
Tensor spread(const Tensor& grad, const Shape& keep_shape, const Shape& input_shape) {
  return grad.reshape(keep_shape).expand(input_shape);
}

int64_t count(const Shape& shape, const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= shape[d];
  return n;
}

// One-hot along the reduced dims: true where the flat reduced index equals `index`
// (index has the keepdim shape; the result broadcasts to the input shape).
Tensor argmax_mask(const Tensor& index, const Shape& input_shape, const std::vector<int64_t>& dims) {
  Shape positions_shape(input_shape.size(), 1);
  for (int64_t d : dims) positions_shape[d] = input_shape[d];
  const Tensor positions =
      arange(static_cast<double>(count(input_shape, dims)), {.dtype = DType::Int64, .device = index.device()})
          .view(positions_shape);
  return eq(positions, index);
}

Tensor max_over(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, const char* name) {
  const std::vector<int64_t> reduced = kernels::reduction_dims(x.dim(), dims, name);
  auto [values, index] = kernels::max(x, reduced, keepdim);
  const Shape keep_shape = kernels::reduced_shape(x.shape(), reduced, true);
  autograd::record(
      name, values, {x},
      [index_ = index.reshape(keep_shape), keep_shape, shape = x.shape(), reduced](const Tensor& grad) {
        const Tensor zero = zeros({}, {.dtype = grad.dtype(), .device = grad.device()});
        const Tensor mask = argmax_mask(index_, shape, reduced);
        return std::vector<Tensor>{where(mask, grad.reshape(keep_shape), zero).expand(shape)};
      });
  return values;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const std::vector<int64_t> reduced = kernels::reduction_dims(x.dim(), dims, "sum");
  Tensor y = kernels::sum(x, reduced, keepdim);
  autograd::record("sum", y, {x},
                   [keep_shape = kernels::reduced_shape(x.shape(), reduced, true), shape = x.shape()](
                       const Tensor& grad) { return std::vector<Tensor>{spread(grad, keep_shape, shape)}; });
  return y;
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const std::vector<int64_t> reduced = kernels::reduction_dims(x.dim(), dims, "mean");
  Tensor y = kernels::mean(x, reduced, keepdim);
  const auto n = static_cast<double>(count(x.shape(), reduced));
  autograd::record(
      "mean", y, {x},
      [keep_shape = kernels::reduced_shape(x.shape(), reduced, true), shape = x.shape(),
       n](const Tensor& grad) { return std::vector<Tensor>{spread(mul(grad, 1.0 / n), keep_shape, shape)}; });
  return y;
}

Tensor var(const Tensor& x, const std::vector<int64_t>& dims, bool unbiased, bool keepdim) {
  const std::vector<int64_t> reduced = kernels::reduction_dims(x.dim(), dims, "var");
  const double correction = unbiased ? 1.0 : 0.0;
  Tensor y = kernels::var(x, reduced, correction, keepdim);
  const auto n = static_cast<double>(count(x.shape(), reduced));
  autograd::record("var", y, {x}, {x},
                   [x_ = x.detach(), reduced, keep_shape = kernels::reduced_shape(x.shape(), reduced, true),
                    scale = 2.0 / (n - correction)](const Tensor& grad) {
                     const Tensor deviation = sub(x_, kernels::mean(x_, reduced, true));
                     return std::vector<Tensor>{mul(mul(deviation, grad.reshape(keep_shape)), scale)};
                   });
  return y;
}

Tensor max(const Tensor& x, int64_t dim, bool keepdim) { return max_over(x, {dim}, keepdim, "max"); }

Tensor max(const Tensor& x) { return max_over(x, {}, false, "max"); }

Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  return kernels::max(x, kernels::reduction_dims(x.dim(), {dim}, "argmax"), keepdim).second;
}

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  if (lead < 0) {  // only leading 1s may be missing from grad
    const bool ones = std::all_of(shape.begin(), shape.begin() - lead, [](int64_t s) { return s == 1; });
    MINIDL_CHECK(ones, ShapeError, "sum_to: cannot sum a tensor of shape ", shape_str(grad.shape()),
                 " to shape ", shape_str(shape));
    return sum_to(grad, Shape(shape.begin() - lead, shape.end())).reshape(shape);
  }
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < grad.dim(); ++d) {
    const int64_t want = d < lead ? 1 : shape[d - lead];
    const int64_t have = grad.shape()[d];
    MINIDL_CHECK(want == have || want == 1, ShapeError, "sum_to: cannot sum a tensor of shape ",
                 shape_str(grad.shape()), " to shape ", shape_str(shape));
    if (d < lead || (want == 1 && have != 1)) dims.push_back(d);
  }
  const Tensor summed = dims.empty() ? grad : sum(grad, dims, true);
  return summed.reshape(shape);
}

}  // namespace minidl
