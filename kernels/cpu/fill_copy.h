// CPU loops for copy (with dtype cast), fill and arange; arguments checked by kernels/fill_copy.cpp.
#pragma once

#include "core/tensor.h"

namespace minidl::kernels::cpu {
void copy(const Tensor& src, const Tensor& dst);
void fill(const Tensor& dst, double value);
void arange(const Tensor& dst, double start, double step);
}  // namespace minidl::kernels::cpu
