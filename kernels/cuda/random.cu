// CUDA random fills: each thread of a grid-stride loop computes one Philox4x32-10
// block (Salmon et al. 2011, Random123) and writes its four elements (fewer at the
// tail). Element i depends on (seed, offset, i) only, never on the launch geometry.
#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/random.h"

namespace minidl::kernels::cuda {
namespace {

template <typename T, typename Draw> struct RandomFillParams {
  T* dst;
  int64_t n;
  uint64_t seed;
  uint64_t offset;
  Draw draw;
};

template <typename T, typename Draw> __global__ void random_fill_kernel(RandomFillParams<T, Draw> p) {
  const int64_t blocks = (p.n + 3) / 4;
  for (int64_t b = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; b < blocks;
       b += int64_t{gridDim.x} * blockDim.x)
    write_random_block(p.dst, p.n, b, p.seed, p.offset, p.draw);
}

template <typename T, typename Draw> void fill_typed(const Tensor& dst, PhiloxSeed seed, const Draw& draw) {
  const RandomFillParams<T, Draw> params{static_cast<T*>(dst.data_ptr()), dst.numel(), seed.seed, seed.offset,
                                         draw};
  const auto grid = static_cast<unsigned>(grid_size((params.n + 3) / 4, kBlockSize, kMaxBlocks));
  set_device(dst.device().index);
  const auto stream = static_cast<cudaStream_t>(Stream::current(dst.device()).handle());
  random_fill_kernel<<<grid, kBlockSize, 0, stream>>>(params);
  MINIDL_CUDA_CHECK_LAUNCH(random_fill_kernel);
}

}  // namespace

void fill_random(const Tensor& dst, PhiloxSeed seed, const RandomDraw& draw) {
  with_typed_draw(dst.dtype(), draw, [&](auto tag, const auto& typed_draw) {
    fill_typed<typename decltype(tag)::type>(dst, seed, typed_draw);
  });
}

}  // namespace minidl::kernels::cuda
