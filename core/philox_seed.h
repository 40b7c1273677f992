// Where a random op's numbers come from: a (seed, offset) of Philox4x32-10, whose block b
// gives four 32-bit words, so an op on n elements consumes ceil(n / 4) blocks. The generator
// (core/generator.h) hands these out; the kernels (kernels/math/random.h) draw from them.
#pragma once

#include <cstdint>

#include "core/host_device.h"

namespace minidl {

/// Counter-based random stream of one op: (seed, offset) of Philox4x32-10.
struct PhiloxSeed {
  uint64_t seed = 0;
  uint64_t offset = 0;
};

/// Philox blocks an op on n elements consumes: ceil(n / 4).
MINIDL_HD_INLINE uint64_t random_blocks(uint64_t n) { return (n + 3) / 4; }

}  // namespace minidl
