// Stochastic depth (Huang et al. 2016; torchvision.ops.stochastic_depth; docs/formulas.md):
// the residual branch f(x) of a sample is kept with probability 1 - p and scaled by
// 1/(1 - p), so y = x + f(x) * b/(1 - p) has the expectation of x + f(x); the usual rule
// gives block l of L the drop probability p_l = p_L * l / L. The keep draws themselves are
// kernels::bernoulli's (kernels/math/random.h), one Philox word per sample.
#pragma once

#include <cstdint>

#include "core/host_device.h"

namespace minidl::kernels {

/// What multiplies a kept branch: 1/(1 - p); 0 at p = 1, where every branch is dropped and
/// torchvision leaves the zero mask unscaled.
MINIDL_HD_INLINE double stochastic_depth_scale(double drop_prob) {
  return drop_prob < 1.0 ? 1.0 / (1.0 - drop_prob) : 0.0;
}

/// Drop probability of block `l` (1-based) of `num_blocks`: p_L * l / L, from p_L / L for the
/// first block to p_L for the last (Huang et al.'s linear decay of the survival probability).
MINIDL_HD_INLINE double linear_drop_prob(int64_t l, int64_t num_blocks, double last_drop_prob) {
  // l / L first, so the last block gets p_L exactly.
  return last_drop_prob * (static_cast<double>(l) / static_cast<double>(num_blocks));
}

}  // namespace minidl::kernels
