// CPU random fills: one Philox4x32-10 block (Salmon et al. 2011) per loop step,
// four elements each; the values come from kernels/math/random.h only.
#include "kernels/cpu/random.h"

#include "kernels/dispatch.h"
#include "kernels/math/random.h"

namespace minidl::kernels::cpu {
namespace {
// Below this many blocks a parallel region costs more than it saves (a normal block is ~100 ns).
constexpr int64_t kParallelBlocks = 1 << 11;

template <typename T, typename Draw> void fill_random(const Tensor& dst, PhiloxSeed seed, const Draw& draw) {
  T* data = static_cast<T*>(dst.data_ptr());
  const int64_t n = dst.numel();
  const auto blocks = static_cast<int64_t>(random_blocks(static_cast<uint64_t>(n)));
#pragma omp parallel for schedule(static) if (blocks > kParallelBlocks)
  for (int64_t b = 0; b < blocks; ++b) write_random_block(data, n, b, seed.seed, seed.offset, draw);
}
}  // namespace

void uniform(const Tensor& dst, PhiloxSeed seed, double low, double high) {
  dispatch_floating(dst.dtype(), "uniform", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_random<T>(dst, seed, make_uniform_draw<T>(low, high));
  });
}

void normal(const Tensor& dst, PhiloxSeed seed, double mean, double stddev) {
  dispatch_floating(dst.dtype(), "normal", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_random<T>(dst, seed, make_normal_draw<T>(mean, stddev));
  });
}

void bernoulli(const Tensor& dst, PhiloxSeed seed, double prob) {
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_random<T>(dst, seed, make_bernoulli_draw<T>(prob));
  });
}

void randint(const Tensor& dst, PhiloxSeed seed, int64_t low, int64_t high) {
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_random<T>(dst, seed, make_randint_draw<T>(low, high));
  });
}

}  // namespace minidl::kernels::cpu
