// Batch norm math, written once for both backends (docs/formulas.md): Welford's running
// mean/M2 update and Chan et al.'s combine ("Updating formulae and a pairwise algorithm for
// computing sample variances", 1979), the per-channel finalization (biased variance, inverse
// std, PyTorch's momentum rule with the unbiased running variance var*n/(n-1)), the
// normalize-scale-shift with optional ReLU, the two-pass backward, and index walkers.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/host_device.h"
#include "kernels/math/cast.h"

namespace minidl::kernels {

/// Count, mean and M2 = sum (x - mean)^2 of a set of values. The count is kept in A: exact
/// up to 2^24 in float, which bounds the values one state may absorb by welford_update
/// (kernels give each state a chunk far smaller); combines tolerate a rounded count.
template <typename A> struct Welford {
  A mean = A(0);
  A m2 = A(0);
  A count = A(0);
};

/// Adds one value (Welford 1962): every step subtracts the current mean, so values far from
/// zero (a mean of 1e4 with unit variance) do not cancel catastrophically as sum/sum-of-squares do.
template <typename A> MINIDL_HD_INLINE void welford_update(Welford<A>& s, A x) {
  s.count += A(1);
  const A delta = x - s.mean;
  s.mean += delta / s.count;
  s.m2 += delta * (x - s.mean);
}

/// The state of the union of two disjoint sets (Chan et al.).
template <typename A> MINIDL_HD_INLINE Welford<A> welford_combine(const Welford<A>& a, const Welford<A>& b) {
  if (b.count == A(0)) return a;
  if (a.count == A(0)) return b;
  const A count = a.count + b.count;
  const A delta = b.mean - a.mean;
  const A b_share = b.count / count;
  return {a.mean + delta * b_share, a.m2 + b.m2 + delta * delta * a.count * b_share, count};
}

/// welford_combine as a functor, for CUB's BlockReduce.
struct WelfordCombine {
  template <typename A>
  MINIDL_HD_INLINE Welford<A> operator()(const Welford<A>& a, const Welford<A>& b) const {
    return welford_combine(a, b);
  }
};

/// 1 / sqrt(var + eps).
template <typename A> MINIDL_HD_INLINE A batch_norm_invstd(A var, A eps) {
  return A(1) / std::sqrt(var + eps);
}

/// PyTorch's momentum rule: (1 - momentum) * running + momentum * batch_value.
template <typename A> MINIDL_HD_INLINE A running_update(A running, A batch_value, A momentum) {
  return (A(1) - momentum) * running + momentum * batch_value;
}

/// y = (x - mean) * scale + shift with scale = gamma * invstd, shift = beta. Subtracting the
/// mean first keeps large means exact (x*scale + (beta - mean*scale) would round at 1e4).
template <typename A> struct ChannelTransform { A mean, scale, shift; };

template <typename A> MINIDL_HD_INLINE A batch_norm_apply(A x, const ChannelTransform<A>& t, bool relu) {
  const A y = (x - t.mean) * t.scale + t.shift;
  return relu && y < A(0) ? A(0) : y;  // a NaN stays NaN, as torch.relu
}

/// Upstream gradient through a fused ReLU: zero where the output is not positive.
template <typename A> MINIDL_HD_INLINE A relu_masked_grad(A dy, A y, bool relu) {
  return relu && !(y > A(0)) ? A(0) : dy;
}

/// Per-channel sums of the backward's reduction pass: sum dy and sum dy * (x - mean).
template <typename A> struct GradSums {
  A dy = A(0);
  A dy_centered = A(0);
};

struct GradSumsAdd {
  template <typename A>
  MINIDL_HD_INLINE GradSums<A> operator()(const GradSums<A>& a, const GradSums<A>& b) const {
    return {a.dy + b.dy, a.dy_centered + b.dy_centered};
  }
};

/// dx = k * (dy - mean_dy - xhat * mean_dy_xhat), xhat = (x - mean) * invstd, k = gamma*invstd:
/// docs/formulas.md's gamma/sqrt(var+eps)/n * (n*dy - dbeta - xhat*dgamma). In evaluation the
/// statistics are constants and the two mean terms are 0.
template <typename A> struct InputGradTransform { A mean, invstd, k, mean_dy, mean_dy_xhat; };

template <typename A> MINIDL_HD_INLINE A batch_norm_input_grad(A dy, A x, const InputGradTransform<A>& t) {
  return t.k * (dy - t.mean_dy - (x - t.mean) * t.invstd * t.mean_dy_xhat);
}

/// The per-channel tensors of one call; P is the parameters' type, A the arithmetic's. Null
/// pointers: no affine parameters, no running statistics, or a gradient not wanted.
template <typename P, typename A> struct BatchNormChannels {
  const P* weight;
  const P* bias;
  P* running_mean;
  P* running_var;
  A* save_mean;
  A* save_invstd;
  A momentum;
  A eps;
};

template <typename P, typename A> MINIDL_HD_INLINE A channel_param(const P* values, int64_t c, A fallback) {
  return values != nullptr ? static_cast<A>(widen(values[c])) : fallback;
}

/// Training, channel c with batch statistics s: saves mean and invstd, updates the running
/// statistics (unbiased variance m2/(n-1)), returns the transform of the normalize pass.
template <typename P, typename A>
MINIDL_HD_INLINE ChannelTransform<A> finalize_train_channel(const BatchNormChannels<P, A>& p, int64_t c,
                                                            const Welford<A>& s) {
  const A mean = s.mean;
  const A invstd = batch_norm_invstd(s.m2 / s.count, p.eps);
  p.save_mean[c] = mean;
  p.save_invstd[c] = invstd;
  if (p.running_mean != nullptr) {
    p.running_mean[c] =
        cast_value<P>(running_update(channel_param(p.running_mean, c, A(0)), mean, p.momentum));
    const A unbiased = s.m2 / (s.count - A(1));
    p.running_var[c] =
        cast_value<P>(running_update(channel_param(p.running_var, c, A(1)), unbiased, p.momentum));
  }
  return {mean, channel_param(p.weight, c, A(1)) * invstd, channel_param(p.bias, c, A(0))};
}

/// Evaluation, channel c: the running statistics stand in for the batch's (saved for backward).
template <typename P, typename A>
MINIDL_HD_INLINE ChannelTransform<A> finalize_eval_channel(const BatchNormChannels<P, A>& p, int64_t c) {
  const A mean = channel_param(p.running_mean, c, A(0));
  const A invstd = batch_norm_invstd(channel_param(p.running_var, c, A(1)), p.eps);
  p.save_mean[c] = mean;
  p.save_invstd[c] = invstd;
  return {mean, channel_param(p.weight, c, A(1)) * invstd, channel_param(p.bias, c, A(0))};
}

/// The gradient outputs and saved statistics of the backward pass.
template <typename P, typename A> struct BatchNormGradChannels {
  const P* weight;
  const A* save_mean;
  const A* save_invstd;
  P* grad_weight;  // null: not wanted
  P* grad_bias;
  A count;        // n = N * spatial
  bool training;  // whether the forward pass used batch statistics
};

/// Channel c after the reduction pass: dbeta = sum dy, dgamma = sum dy * xhat; returns the
/// transform of the dx pass.
template <typename P, typename A>
MINIDL_HD_INLINE InputGradTransform<A> finalize_grad_channel(const BatchNormGradChannels<P, A>& p, int64_t c,
                                                             const GradSums<A>& s) {
  const A mean = p.save_mean[c];
  const A invstd = p.save_invstd[c];
  const A dgamma = s.dy_centered * invstd;
  if (p.grad_weight != nullptr) p.grad_weight[c] = cast_value<P>(dgamma);
  if (p.grad_bias != nullptr) p.grad_bias[c] = cast_value<P>(s.dy);
  const A k = channel_param(p.weight, c, A(1)) * invstd;
  if (!p.training) return {mean, invstd, k, A(0), A(0)};
  return {mean, invstd, k, s.dy / p.count, dgamma / p.count};
}

/// Walks linear indices i, i + stride, ... of a (outer, hi, lo) layout, keeping the digits
/// lo = i % lo_size and hi = (i / lo_size) % hi_size without a division per step. Kernels use
/// it for the channel of element i of an (N, C, S) tensor (lo_size S, hi_size C) and for the
/// (n, s) of index j of one channel's N*S values (hi_size unbounded).
struct IndexWalker {
  int64_t lo, hi;
  int64_t lo_size, hi_size;
  int64_t step_lo, step_hi;

  MINIDL_HD_INLINE IndexWalker(int64_t start, int64_t stride, int64_t lo_size_, int64_t hi_size_)
      : lo(start % lo_size_),
        hi(start / lo_size_ % hi_size_),
        lo_size(lo_size_),
        hi_size(hi_size_),
        step_lo(stride % lo_size_),
        step_hi(stride / lo_size_ % hi_size_) {}

  MINIDL_HD_INLINE void advance() {
    lo += step_lo;
    const int64_t carry = lo >= lo_size ? 1 : 0;
    lo -= carry * lo_size;
    hi += step_hi + carry;  // < 2 * hi_size, so one wrap suffices
    if (hi >= hi_size) hi -= hi_size;
  }
};

/// hi_size of an IndexWalker whose high digit never wraps.
inline constexpr int64_t kUnboundedDigit = INT64_MAX;

/// How a channel's per_channel values are split among `parts` blocks of a reduction: each
/// block gets `chunk` consecutive values (the last may get fewer, none gets zero).
struct ReductionSplit {
  int64_t parts;
  int64_t chunk;
};

/// Enough parts in total (channels * parts) to fill `target_blocks` blocks, but at least
/// min_per_thread values for each of the block's threads, so partial states stay few.
inline ReductionSplit reduction_split(int64_t channels, int64_t per_channel, int64_t block_threads,
                                      int64_t target_blocks, int64_t min_per_thread) {
  const int64_t wanted = (target_blocks + channels - 1) / channels;
  const int64_t most = (per_channel + block_threads * min_per_thread - 1) / (block_threads * min_per_thread);
  int64_t parts = wanted < most ? wanted : most;
  if (parts < 1) parts = 1;
  const int64_t chunk = per_channel > 0 ? (per_channel + parts - 1) / parts : 1;
  return {per_channel > 0 ? (per_channel + chunk - 1) / chunk : 1, chunk};
}

}  // namespace minidl::kernels
