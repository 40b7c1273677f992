// CUDA launchers for copy (with dtype cast, same device), fill and arange.
#pragma once

#include "core/tensor.h"

namespace minidl::kernels::cuda {
void copy(const Tensor& src, const Tensor& dst);
void fill(const Tensor& dst, double value);
void arange(const Tensor& dst, double start, double step);
}  // namespace minidl::kernels::cuda
