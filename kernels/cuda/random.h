// CUDA fills of the random ops (host declarations, no CUDA headers): grid-stride
// kernels over Philox blocks whose values come from kernels/math/random.h, so they
// equal the CPU backend's bit for bit. Arguments are checked by kernels/random.cpp.
#pragma once

#include "core/tensor.h"
#include "kernels/ops.h"

namespace minidl::kernels::cuda {
void uniform(const Tensor& dst, PhiloxSeed seed, double low, double high);
void normal(const Tensor& dst, PhiloxSeed seed, double mean, double stddev);
void bernoulli(const Tensor& dst, PhiloxSeed seed, double prob);
void randint(const Tensor& dst, PhiloxSeed seed, int64_t low, int64_t high);
}  // namespace minidl::kernels::cuda
