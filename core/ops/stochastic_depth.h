// Differentiable stochastic depth (Huang et al. 2016; torchvision.ops.stochastic_depth;
// docs/formulas.md), applied to a residual branch f(x) before it joins the shortcut: in
// training each sample's branch ("row" mode) or the whole batch's ("batch" mode) is kept with
// probability 1 - p and scaled by 1/(1 - p); in evaluation the branch passes unchanged.
#pragma once

#include "core/generator.h"
#include "core/tensor.h"

namespace minidl {

/// torchvision's mode: "row" draws one keep decision per sample (dim 0), "batch" one for all.
enum class StochasticDepthMode { Row, Batch };

/// "row" or "batch".
const char* to_string(StochasticDepthMode mode);

/// branch * mask / (1 - drop_prob), mask [N, 1, ..., 1] (Row) or [1, ..., 1] (Batch) of
/// Bernoulli(1 - drop_prob) draws: sample n takes Philox element n of the generator's next
/// (seed, offset), so CPU and CUDA keep the same samples. Returns `branch` itself when
/// !training, drop_prob == 0 or branch is empty (nothing drawn); drop_prob == 1 gives zeros.
/// `generator` (the default of branch's device when null) must be on branch's device.
/// Differentiable w.r.t. branch.
Tensor stochastic_depth(const Tensor& branch, double drop_prob, StochasticDepthMode mode, bool training,
                        Generator* generator = nullptr);

}  // namespace minidl
