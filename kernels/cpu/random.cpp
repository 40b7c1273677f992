// CPU random fills: one Philox4x32-10 block (Salmon et al. 2011) per loop step,
// four elements each; the values come from kernels/math/random.h only.
#include "kernels/cpu/random.h"

namespace minidl::kernels::cpu {
namespace {
// Below this many blocks a parallel region costs more than it saves (a normal block is ~100 ns).
constexpr int64_t kParallelBlocks = 1 << 11;

template <typename T, typename Draw> void fill_typed(const Tensor& dst, PhiloxSeed seed, const Draw& draw) {
  T* data = static_cast<T*>(dst.data_ptr());
  const int64_t n = dst.numel();
  const auto blocks = static_cast<int64_t>(random_blocks(static_cast<uint64_t>(n)));
#pragma omp parallel for schedule(static) if (blocks > kParallelBlocks)
  for (int64_t b = 0; b < blocks; ++b) write_random_block(data, n, b, seed.seed, seed.offset, draw);
}
}  // namespace

void fill_random(const Tensor& dst, PhiloxSeed seed, const RandomDraw& draw) {
  with_typed_draw(dst.dtype(), draw, [&](auto tag, const auto& typed_draw) {
    fill_typed<typename decltype(tag)::type>(dst, seed, typed_draw);
  });
}

}  // namespace minidl::kernels::cpu
