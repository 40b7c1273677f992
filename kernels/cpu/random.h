// CPU fills of the random ops: OpenMP over Philox blocks, each block's four values
// from kernels/math/random.h, so they equal the CUDA backend's bit for bit.
// Arguments are checked by kernels/random.cpp; dst is contiguous.
#pragma once

#include "core/tensor.h"
#include "kernels/ops.h"
#include "kernels/random_draw.h"

namespace minidl::kernels::cpu {
void fill_random(const Tensor& dst, PhiloxSeed seed, const RandomDraw& draw);
}  // namespace minidl::kernels::cpu
