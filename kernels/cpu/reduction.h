// CPU reductions (OpenMP); arguments checked and laid out by kernels/reduction.cpp.
// out, values and indices are contiguous with one element per output segment.
#pragma once

#include "core/tensor.h"
#include "kernels/reduction.h"

namespace minidl::kernels::cpu {
/// out[o] = scale * sum of segment o (scale 1/n gives the mean).
void sum(const ReduceLayout& layout, const Tensor& x, const Tensor& out, double scale);
void var(const ReduceLayout& layout, const Tensor& x, const Tensor& out, double correction);
void max(const ReduceLayout& layout, const Tensor& x, const Tensor& values, const Tensor& indices);
}  // namespace minidl::kernels::cpu
