// Inverted dropout, written once for both backends (docs/formulas.md): element i is kept
// when the 32-bit uniform of word i%4 of Philox block offset + i/4 is below 1 - drop_prob
// (bernoulli_draw of kernels/math/random.h), and y = x * keep / (1 - drop_prob).
// The mask keeps ONE BIT per element: bit i%32 of 32-bit word i/32, i.e. on our
// little-endian hosts and GPUs bit i%8 (least significant first) of byte i/8.
#pragma once

#include <cstdint>

#include "core/host_device.h"
#include "kernels/math/cast.h"
#include "kernels/math/philox.h"
#include "kernels/math/random.h"

namespace minidl::kernels {

/// Elements per mask word.
inline constexpr int64_t kDropoutBitsPerWord = 32;

/// 32-bit mask words of a tensor of n elements; the mask tensor holds 4 bytes per word.
MINIDL_HD_INLINE int64_t dropout_mask_words(int64_t n) { return (n + 31) / 32; }

/// The threshold of the keep decision: keep <=> word < ceil((1 - drop_prob) * 2^32).
inline uint64_t dropout_keep_threshold(double drop_prob) { return bernoulli_threshold(1.0 - drop_prob); }

/// 1 / (1 - drop_prob) in the arithmetic type A; 0 when everything is dropped (drop_prob = 1),
/// where it multiplies only zeros.
template <typename A> A dropout_scale(double drop_prob) {
  return drop_prob >= 1.0 ? A(0) : static_cast<A>(1.0 / (1.0 - drop_prob));
}

/// The keep bits of the four elements of one Philox block: bit j for element 4*block + j.
MINIDL_HD_INLINE uint32_t dropout_keep_nibble(const Philox4x32& block, uint64_t keep_threshold) {
  uint32_t bits = 0;
  for (int j = 0; j < 4; ++j) bits |= static_cast<uint32_t>(bernoulli_draw(block.v[j], keep_threshold)) << j;
  return bits;
}

/// Keep decision of element i alone (tests and references; kernels draw four at a time).
MINIDL_HD_INLINE bool dropout_keep(uint64_t seed, uint64_t offset, int64_t i, uint64_t keep_threshold) {
  const Philox4x32 block = philox_block(seed, offset + static_cast<uint64_t>(i / 4));
  return bernoulli_draw(block.v[i % 4], keep_threshold);
}

/// Bit i of a packed mask.
MINIDL_HD_INLINE bool dropout_mask_bit(const uint32_t* mask_words, int64_t i) {
  return (mask_words[i / kDropoutBitsPerWord] >> (i % kDropoutBitsPerWord)) & 1u;
}

/// v * keep * scale in the arithmetic type A. A multiply rather than a select, so a dropped
/// NaN or inf stays NaN as in PyTorch.
template <typename T, typename A> MINIDL_HD_INLINE T dropout_apply(T v, bool keep, A scale) {
  return cast_value<T>(static_cast<A>(widen(v)) * (keep ? scale : A(0)));
}

/// The parameters of one dropout launch, built once on the host for both backends.
template <typename A> struct DropoutDraw {
  uint64_t seed;
  uint64_t offset;
  uint64_t keep_threshold;
  A scale;
};

template <typename A> DropoutDraw<A> make_dropout_draw(uint64_t seed, uint64_t offset, double drop_prob) {
  return {seed, offset, dropout_keep_threshold(drop_prob), dropout_scale<A>(drop_prob)};
}

/// The loop body of both backends: draws Philox block `block`, writes dst = src * keep * scale
/// for its (up to four) elements below n, and returns their keep bits (bits past n are 0).
/// The forward pass runs it on x -> y and stores the bits; the regenerating backward runs
/// it on dy -> dx and drops them.
template <typename T, typename A>
MINIDL_HD_INLINE uint32_t dropout_block(const T* src, T* dst, int64_t n, int64_t block,
                                        const DropoutDraw<A>& draw) {
  const int64_t first = 4 * block;
  const int64_t count = n - first < 4 ? n - first : 4;
  const uint32_t bits =
      dropout_keep_nibble(philox_block(draw.seed, draw.offset + static_cast<uint64_t>(block)),
                          draw.keep_threshold) &
      ((1u << count) - 1u);
  for (int64_t j = 0; j < count; ++j)
    dst[first + j] = dropout_apply(src[first + j], (bits >> j) & 1u, draw.scale);
  return bits;
}

/// Mask word w of the forward pass (elements 32w .. 32w+31, eight Philox blocks), applying
/// dropout to those elements on the way: the CPU's unit of work, one word per loop step.
template <typename T, typename A>
MINIDL_HD_INLINE uint32_t dropout_word(const T* src, T* dst, int64_t n, int64_t word,
                                       const DropoutDraw<A>& draw) {
  uint32_t bits = 0;
  for (int64_t b = 0; b < 8 && 4 * (8 * word + b) < n; ++b)
    bits |= dropout_block(src, dst, n, 8 * word + b, draw) << (4 * b);
  return bits;
}

}  // namespace minidl::kernels
