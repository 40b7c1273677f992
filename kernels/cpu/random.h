// CPU fills of the random ops: OpenMP over Philox blocks, each block's four values
// from kernels/math/random.h, so they equal the CUDA backend's bit for bit.
// Arguments are checked by kernels/random.cpp; dst is contiguous.
#pragma once

#include "core/tensor.h"
#include "kernels/ops.h"

namespace minidl::kernels::cpu {
void uniform(const Tensor& dst, PhiloxSeed seed, double low, double high);
void normal(const Tensor& dst, PhiloxSeed seed, double mean, double stddev);
void bernoulli(const Tensor& dst, PhiloxSeed seed, double prob);
void randint(const Tensor& dst, PhiloxSeed seed, int64_t low, int64_t high);
}  // namespace minidl::kernels::cpu
