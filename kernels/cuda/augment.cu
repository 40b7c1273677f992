// The fused CUDA augmentation kernel: one thread block per sample does crop or resized crop,
// flip, color jitter and normalization from the uint8 batch into float32 in one launch. Thread 0
// draws the sample's decisions; the contrast mean is an integer (fixed-point) CUB block sum, so
// the bits equal the CPU backend's (kernels/math/augment.h) whatever the reduction order.
#include <cub/block/block_reduce.cuh>

#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/augment.h"
#include "kernels/cuda/check.h"

namespace minidl::kernels::cuda {
namespace {

struct AugmentLaunch {
  AugmentParams params;
  const uint8_t* src;
  float* dst;
  int64_t in_numel, out_numel;  // per sample
  uint64_t seed, offset;
};

__global__ void __launch_bounds__(kAugmentThreads) augment_fwd_kernel(const AugmentLaunch launch) {
  using BlockSum = cub::BlockReduce<long long, kAugmentThreads>;
  __shared__ typename BlockSum::TempStorage sum_storage;
  __shared__ SampleDraws shared_draws;
  __shared__ float shared_mean;
  const AugmentParams& p = launch.params;
  const int64_t sample = blockIdx.x;
  if (threadIdx.x == 0) shared_draws = draw_sample(p, launch.seed, launch.offset, sample);
  __syncthreads();
  const SampleDraws draws = shared_draws;
  const uint8_t* image = launch.src + sample * launch.in_numel;
  float* out = launch.dst + sample * launch.out_numel;
  const int32_t n = p.out_height * p.out_width;  // < 2^31, checked by the launcher
  long long sum = 0;
  for (int32_t loc = threadIdx.x; loc < n; loc += kAugmentThreads)
    sum += augment_pass1(p, draws, image, out, loc / p.out_width, loc % p.out_width);
  if (!p.contrast) return;  // uniform across the block: no thread is left waiting below
  const long long total = BlockSum(sum_storage).Sum(sum);
  if (threadIdx.x == 0) shared_mean = mean_gray(total, n);
  __syncthreads();
  const float mean = shared_mean;
  // Each thread reads back only the locations it stored in the first pass.
  for (int32_t loc = threadIdx.x; loc < n; loc += kAugmentThreads) augment_pass2(p, draws, mean, out, loc);
}

}  // namespace

void augment(const Tensor& src, const Tensor& dst, const AugmentParams& params, PhiloxSeed seed) {
  const int64_t batch = src.size(0);
  const AugmentLaunch launch{params,
                             static_cast<const uint8_t*>(src.data_ptr()),
                             static_cast<float*>(dst.data_ptr()),
                             src.numel() / batch,
                             dst.numel() / batch,
                             seed.seed,
                             seed.offset};
  MINIDL_CHECK(batch <= 0x7fffffff && int64_t{params.out_height} * params.out_width <= 0x7fffffff, ValueError,
               "augment: ", batch, " samples of ", params.out_height, "x", params.out_width,
               " exceed the CUDA grid");
  set_device(src.device().index);
  const auto stream = static_cast<cudaStream_t>(Stream::current(src.device()).handle());
  augment_fwd_kernel<<<static_cast<unsigned>(batch), kAugmentThreads, 0, stream>>>(launch);
  MINIDL_CUDA_CHECK_LAUNCH(augment_fwd_kernel);
}

}  // namespace minidl::kernels::cuda
