// CUDA dropout. Forward: a warp covers 128 elements per step; lane l draws Philox block
// 32g + l and applies it to its four elements (dropout_block of kernels/math/dropout.h, the
// CPU's loop body too), the lanes' nibbles are OR-ed into words within groups of eight
// lanes, and lanes 0, 8, 16, 24 each store one whole 32-bit word: no two threads share a word.
#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/dropout.h"
#include "kernels/cuda/launch.h"
#include "kernels/dispatch.h"
#include "kernels/math/dropout.h"

namespace minidl::kernels::cuda {
namespace {

constexpr int kWarp = 32;
constexpr int64_t kElementsPerWarpStep = 4 * kWarp;  // 32 Philox blocks, 4 mask words
static_assert(kBlockSize % kWarp == 0, "the forward kernel needs whole warps");

template <typename T, typename A> struct DropoutForwardParams {
  const T* x;
  T* y;
  uint32_t* mask;
  int64_t n;
  DropoutDraw<A> draw;
};

template <typename T, typename A> __global__ void dropout_fwd_kernel(DropoutForwardParams<T, A> p) {
  const int lane = static_cast<int>(threadIdx.x % kWarp);
  const int64_t warps = int64_t{gridDim.x} * blockDim.x / kWarp;
  const int64_t steps = (p.n + kElementsPerWarpStep - 1) / kElementsPerWarpStep;
  const int64_t n_words = dropout_mask_words(p.n);
  // The loop bound is the same for every lane of a warp, so all 32 reach the shuffles.
  for (int64_t g = (blockIdx.x * int64_t{blockDim.x} + threadIdx.x) / kWarp; g < steps; g += warps) {
    const int64_t block = g * kWarp + lane;
    const uint32_t nibble = 4 * block < p.n ? dropout_block(p.x, p.y, p.n, block, p.draw) : 0u;
    uint32_t word = nibble << (4 * (lane % 8));
    word |= __shfl_xor_sync(0xffffffffu, word, 1);
    word |= __shfl_xor_sync(0xffffffffu, word, 2);
    word |= __shfl_xor_sync(0xffffffffu, word, 4);
    const int64_t w = 4 * g + lane / 8;
    if (lane % 8 == 0 && w < n_words) p.mask[w] = word;
  }
}

template <typename T, typename A> struct DropoutBackwardParams {
  const T* dy;
  T* dx;
  const uint32_t* mask;
  int64_t n;
  A scale;
};

// One element per thread: the 32 threads of a warp read the same mask word (a broadcast).
template <typename T, typename A> __global__ void dropout_bwd_kernel(DropoutBackwardParams<T, A> p) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.n;
       i += int64_t{gridDim.x} * blockDim.x)
    p.dx[i] = dropout_apply(p.dy[i], dropout_mask_bit(p.mask, i), p.scale);
}

template <typename T, typename A> struct DropoutRegenerateParams {
  const T* dy;
  T* dx;
  int64_t n;
  DropoutDraw<A> draw;
};

template <typename T, typename A>
__global__ void dropout_bwd_regenerate_kernel(DropoutRegenerateParams<T, A> p) {
  const int64_t blocks = (p.n + 3) / 4;
  for (int64_t b = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; b < blocks;
       b += int64_t{gridDim.x} * blockDim.x)
    dropout_block(p.dy, p.dx, p.n, b, p.draw);
}

cudaStream_t current_stream(const Tensor& t) {
  set_device(t.device().index);
  return static_cast<cudaStream_t>(Stream::current(t.device()).handle());
}

unsigned grid_for(int64_t n_items) {
  return static_cast<unsigned>(grid_size(n_items, kBlockSize, kMaxBlocks));
}

}  // namespace

void dropout_forward(const Tensor& x, const Tensor& y, const Tensor& mask, PhiloxSeed seed,
                     double drop_prob) {
  const cudaStream_t stream = current_stream(x);
  dispatch_floating(x.dtype(), "dropout", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const DropoutForwardParams<T, A> params{static_cast<const T*>(x.data_ptr()),
                                            static_cast<T*>(y.data_ptr()),
                                            static_cast<uint32_t*>(mask.data_ptr()), x.numel(),
                                            make_dropout_draw<A>(seed.seed, seed.offset, drop_prob)};
    const int64_t warp_steps = (params.n + kElementsPerWarpStep - 1) / kElementsPerWarpStep;
    dropout_fwd_kernel<<<grid_for(warp_steps * kWarp), kBlockSize, 0, stream>>>(params);
    MINIDL_CUDA_CHECK_LAUNCH(dropout_fwd_kernel);
  });
}

void dropout_backward(const Tensor& grad_output, const Tensor& mask, const Tensor& grad_input,
                      double drop_prob) {
  const cudaStream_t stream = current_stream(grad_output);
  dispatch_floating(grad_output.dtype(), "dropout_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const DropoutBackwardParams<T, A> params{
        static_cast<const T*>(grad_output.data_ptr()), static_cast<T*>(grad_input.data_ptr()),
        static_cast<const uint32_t*>(mask.data_ptr()), grad_output.numel(), dropout_scale<A>(drop_prob)};
    dropout_bwd_kernel<<<grid_for(params.n), kBlockSize, 0, stream>>>(params);
    MINIDL_CUDA_CHECK_LAUNCH(dropout_bwd_kernel);
  });
}

void dropout_backward_regenerate(const Tensor& grad_output, const Tensor& grad_input, PhiloxSeed seed,
                                 double drop_prob) {
  const cudaStream_t stream = current_stream(grad_output);
  dispatch_floating(grad_output.dtype(), "dropout_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const DropoutRegenerateParams<T, A> params{static_cast<const T*>(grad_output.data_ptr()),
                                               static_cast<T*>(grad_input.data_ptr()), grad_output.numel(),
                                               make_dropout_draw<A>(seed.seed, seed.offset, drop_prob)};
    dropout_bwd_regenerate_kernel<<<grid_for((params.n + 3) / 4), kBlockSize, 0, stream>>>(params);
    MINIDL_CUDA_CHECK_LAUNCH(dropout_bwd_regenerate_kernel);
  });
}

}  // namespace minidl::kernels::cuda
