// CPU augmentation: OpenMP over the samples of a batch, each sample's draws and both passes
// from kernels/math/augment.h (augment_sample), so the values equal the fused CUDA kernel's.
#include <omp.h>

#include "kernels/augment.h"

namespace minidl::kernels::cpu {

void augment(const Tensor& src, const Tensor& dst, const AugmentParams& params, PhiloxSeed seed,
             int threads) {
  const int64_t batch = src.size(0);
  const int64_t in_numel = src.numel() / batch, out_numel = dst.numel() / batch;
  const auto* images = static_cast<const uint8_t*>(src.data_ptr());
  auto* out = static_cast<float*>(dst.data_ptr());
  const int team = threads > 0 ? threads : omp_get_max_threads();
  // A 32x32 sample is ~10-40 us of work: worth a thread from two samples on.
#pragma omp parallel for num_threads(team) schedule(static) if (batch > 1)
  for (int64_t s = 0; s < batch; ++s) {
    const SampleDraws draws = draw_sample(params, seed.seed, seed.offset, s);
    augment_sample(params, draws, images + s * in_numel, out + s * out_numel);
  }
}

}  // namespace minidl::kernels::cpu
