// CPU dropout: OpenMP over 32-element mask words; each loop step draws the word's eight
// Philox blocks and applies them (kernels/math/dropout.h), so a thread owns whole words and
// the mask bits equal the CUDA backend's.
#include "kernels/cpu/dropout.h"

#include <cstdint>

#include "kernels/dispatch.h"
#include "kernels/math/dropout.h"

namespace minidl::kernels::cpu {
namespace {
// Below this many words (32 elements each) a parallel region costs more than it saves.
constexpr int64_t kParallelWords = 1 << 10;

// Bit j of a word as a table: SSE2 has no per-lane variable shift (and no unsigned-to-float
// conversion), so `bits >> j` would keep the word loop scalar; an AND with a constant vector does not.
constexpr int32_t kBit[32] = {1 << 0,  1 << 1,  1 << 2,  1 << 3,  1 << 4,  1 << 5,  1 << 6,  1 << 7,
                              1 << 8,  1 << 9,  1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14, 1 << 15,
                              1 << 16, 1 << 17, 1 << 18, 1 << 19, 1 << 20, 1 << 21, 1 << 22, 1 << 23,
                              1 << 24, 1 << 25, 1 << 26, 1 << 27, 1 << 28, 1 << 29, 1 << 30, INT32_MIN};

template <typename T>
void forward(const Tensor& x, const Tensor& y, const Tensor& mask, PhiloxSeed seed, double p) {
  const auto draw = make_dropout_draw<acc_t<T>>(seed.seed, seed.offset, p);
  const T* src = static_cast<const T*>(x.data_ptr());
  T* dst = static_cast<T*>(y.data_ptr());
  auto* words = static_cast<uint32_t*>(mask.data_ptr());
  const int64_t n = x.numel();
  const int64_t n_words = dropout_mask_words(n);
#pragma omp parallel for schedule(static) if (n_words > kParallelWords)
  for (int64_t w = 0; w < n_words; ++w) words[w] = dropout_word(src, dst, n, w, draw);
}

template <typename T> void backward(const Tensor& dy, const Tensor& mask, const Tensor& dx, double p) {
  using A = acc_t<T>;
  const A scale = dropout_scale<A>(p);
  const T* src = static_cast<const T*>(dy.data_ptr());
  T* dst = static_cast<T*>(dx.data_ptr());
  const auto* words = static_cast<const uint32_t*>(mask.data_ptr());
  const int64_t n = dy.numel();
  const int64_t n_words = dropout_mask_words(n);
  // Word by word, so the 32-element inner loop has a fixed trip count the compiler can vectorize.
#pragma omp parallel for schedule(static) if (n_words > kParallelWords)
  for (int64_t w = 0; w < n_words; ++w) {
    const int64_t first = w * kDropoutBitsPerWord;
    const auto bits = static_cast<int32_t>(words[w]);
    if (n - first >= kDropoutBitsPerWord) {
      const T* from = src + first;
      T* to = dst + first;
      for (int j = 0; j < kDropoutBitsPerWord; ++j)
        to[j] = dropout_apply(from[j], (bits & kBit[j]) != 0, scale);
    } else {
      for (int64_t i = first; i < n; ++i) dst[i] = dropout_apply(src[i], dropout_mask_bit(words, i), scale);
    }
  }
}

template <typename T>
void backward_regenerate(const Tensor& dy, const Tensor& dx, PhiloxSeed seed, double p) {
  const auto draw = make_dropout_draw<acc_t<T>>(seed.seed, seed.offset, p);
  const T* src = static_cast<const T*>(dy.data_ptr());
  T* dst = static_cast<T*>(dx.data_ptr());
  const int64_t n = dy.numel();
  const auto blocks = static_cast<int64_t>(random_blocks(static_cast<uint64_t>(n)));
#pragma omp parallel for schedule(static) if (blocks > 8 * kParallelWords)
  for (int64_t b = 0; b < blocks; ++b) dropout_block(src, dst, n, b, draw);
}
}  // namespace

void dropout_forward(const Tensor& x, const Tensor& y, const Tensor& mask, PhiloxSeed seed,
                     double drop_prob) {
  dispatch_floating(x.dtype(), "dropout",
                    [&](auto tag) { forward<typename decltype(tag)::type>(x, y, mask, seed, drop_prob); });
}

void dropout_backward(const Tensor& grad_output, const Tensor& mask, const Tensor& grad_input,
                      double drop_prob) {
  dispatch_floating(grad_output.dtype(), "dropout_backward", [&](auto tag) {
    backward<typename decltype(tag)::type>(grad_output, mask, grad_input, drop_prob);
  });
}

void dropout_backward_regenerate(const Tensor& grad_output, const Tensor& grad_input, PhiloxSeed seed,
                                 double drop_prob) {
  dispatch_floating(grad_output.dtype(), "dropout_backward", [&](auto tag) {
    backward_regenerate<typename decltype(tag)::type>(grad_output, grad_input, seed, drop_prob);
  });
}

}  // namespace minidl::kernels::cpu
