// Differentiable reductions over any set of dims, with keepdim, on CPU and CUDA.
// An empty dims list reduces over every dim.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace minidl {

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
/// Variance with Bessel's correction by default (unbiased), as torch.var.
Tensor var(const Tensor& x, const std::vector<int64_t>& dims = {}, bool unbiased = true,
           bool keepdim = false);
/// Maximum along one dim (gradient to the first maximal element, as the argmax).
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
/// Maximum of all elements.
Tensor max(const Tensor& x);
/// Index (int64) of the first maximum along dim.
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
/// Sums a broadcast gradient back to `shape` (the backward of broadcasting).
Tensor sum_to(const Tensor& grad, const Shape& shape);

}  // namespace minidl
