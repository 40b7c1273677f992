// Backend-neutral augmentation kernel (no autograd): uint8 images [B, C, H, W] to float32
// [B, C, out_h, out_w] by the per-sample math of kernels/math/augment.h (torchvision conventions,
// docs/formulas.md). One pass over the batch on either backend (one fused kernel on CUDA), and
// sample s draws only from its own Philox blocks, so CPU and CUDA give the same bits.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "kernels/math/augment.h"
#include "kernels/ops.h"

namespace minidl::kernels {

/// Throws ValueError naming the first inconsistent field of `params` (sizes, padding, ranges,
/// jitter without 3 channels, std <= 0).
void check_augment_params(const AugmentParams& params);

/// Philox blocks one augment call on a batch of `batch` samples consumes.
inline uint64_t augment_blocks(int64_t batch) {
  return static_cast<uint64_t>(batch) * kAugmentBlocksPerSample;
}

/// dst = the augmented src: src uint8 contiguous [B, C, in_h, in_w], dst float32 contiguous
/// [B, C, out_h, out_w] on the same device, sizes as in params. Sample s uses Philox blocks
/// seed.offset + s * kAugmentBlocksPerSample onwards. cpu_threads > 0 caps the CPU backend's
/// OpenMP threads (0: OpenMP's default); CUDA ignores it.
void augment(const Tensor& src, const Tensor& dst, const AugmentParams& params, PhiloxSeed seed,
             int cpu_threads = 0);

// The backends, called by augment() after its checks.
namespace cpu {
void augment(const Tensor& src, const Tensor& dst, const AugmentParams& params, PhiloxSeed seed, int threads);
}
namespace cuda {
/// One thread block of kAugmentThreads per sample.
inline constexpr int kAugmentThreads = 256;
void augment(const Tensor& src, const Tensor& dst, const AugmentParams& params, PhiloxSeed seed);
}  // namespace cuda

}  // namespace minidl::kernels
