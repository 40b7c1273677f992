// CUDA fills of the random ops (host declarations, no CUDA headers): grid-stride
// kernels over Philox blocks whose values come from kernels/math/random.h, so they
// equal the CPU backend's bit for bit. Arguments are checked by kernels/random.cpp.
#pragma once

#include "core/tensor.h"
#include "kernels/ops.h"
#include "kernels/random_draw.h"

namespace minidl::kernels::cuda {
void fill_random(const Tensor& dst, PhiloxSeed seed, const RandomDraw& draw);
}  // namespace minidl::kernels::cuda
