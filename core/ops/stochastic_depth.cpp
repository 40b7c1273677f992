// Stochastic depth as a broadcast multiply: N Bernoulli draws (kernels::bernoulli, the same
// Philox bits on CPU and CUDA) scaled by 1/(1 - p) make a [N, 1, ...] mask, and the
// differentiable mul() carries the gradient, dbranch = grad * mask; no kernel of its own.
#include "core/ops/stochastic_depth.h"

#include "core/ops/elementwise.h"
#include "core/random.h"
#include "kernels/math/stochastic_depth.h"

namespace minidl {

const char* to_string(StochasticDepthMode mode) { return mode == StochasticDepthMode::Row ? "row" : "batch"; }

Tensor stochastic_depth(const Tensor& branch, double drop_prob, StochasticDepthMode mode, bool training,
                        Generator* generator) {
  MINIDL_CHECK(drop_prob >= 0.0 && drop_prob <= 1.0, ValueError,
               "stochastic_depth: drop probability has to be between 0 and 1, but got ", drop_prob);
  MINIDL_CHECK(is_floating(branch.dtype()), DTypeError, "stochastic_depth: expected a floating dtype, got ",
               branch.dtype());
  MINIDL_CHECK(branch.dim() >= 1, ShapeError, "stochastic_depth: expected a batch [N, ...], got shape ",
               shape_str(branch.shape()));
  if (!training || drop_prob == 0.0 || branch.numel() == 0) return branch;
  Generator& chosen = generator != nullptr ? *generator : default_generator(branch.device());
  MINIDL_CHECK(chosen.device() == branch.device(), DeviceError, "stochastic_depth: a generator of ",
               chosen.device(), " cannot draw keep decisions for a branch on ", branch.device());

  Shape mask_shape(static_cast<std::size_t>(branch.dim()), 1);
  if (mode == StochasticDepthMode::Row) mask_shape[0] = branch.size(0);
  Tensor mask =
      bernoulli(mask_shape, 1.0 - drop_prob, {.dtype = branch.dtype(), .device = branch.device()}, &chosen);
  if (drop_prob < 1.0) mul_(mask, kernels::stochastic_depth_scale(drop_prob));
  return mul(branch, mask);
}

}  // namespace minidl
