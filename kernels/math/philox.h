// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror & Shaw,
// "Parallel Random Numbers: As Easy as 1, 2, 3" (SC'11; the Random123 library):
// ten rounds of a multiply-xor bijection turn (counter, key) into four 32-bit words.
// Pure integer arithmetic, so the CPU and every GPU compute the same bits.
// Known answers: docs/formulas.md (tests/kernels/math/philox_test.cpp).
#pragma once

#include <cstdint>

#include "core/host_device.h"

namespace minidl::kernels {

/// Four 32-bit words: a counter, or one output block.
struct Philox4x32 {
  uint32_t v[4];
};

/// The key: two 32-bit words.
struct Philox2x32Key {
  uint32_t v[2];
};

namespace detail {
inline constexpr uint32_t kPhiloxM0 = 0xD2511F53u;  // round multipliers
inline constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
inline constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;  // key schedule: golden ratio
inline constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;  // and sqrt(3) - 1

MINIDL_HD_INLINE uint32_t mulhilo32(uint32_t a, uint32_t b, uint32_t* hi) {
#if defined(__CUDA_ARCH__)
  *hi = __umulhi(a, b);
  return a * b;
#else
  const uint64_t product = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(product >> 32);
  return static_cast<uint32_t>(product);
#endif
}

MINIDL_HD_INLINE Philox4x32 philox_round(Philox4x32 ctr, Philox2x32Key key) {
  uint32_t hi0, hi1;
  const uint32_t lo0 = mulhilo32(kPhiloxM0, ctr.v[0], &hi0);
  const uint32_t lo1 = mulhilo32(kPhiloxM1, ctr.v[2], &hi1);
  return {{hi1 ^ ctr.v[1] ^ key.v[0], lo1, hi0 ^ ctr.v[3] ^ key.v[1], lo0}};
}
}  // namespace detail

/// Philox4x32 with 10 rounds: the Random123 default, the one with the published known answers.
MINIDL_HD_INLINE Philox4x32 philox4x32_10(Philox4x32 counter, Philox2x32Key key) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int round = 0; round < 9; ++round) {
    counter = detail::philox_round(counter, key);
    key.v[0] += detail::kPhiloxW0;
    key.v[1] += detail::kPhiloxW1;
  }
  return detail::philox_round(counter, key);
}

/// Block `counter` of the stream `seed`: the 64-bit counter fills counter words 0 (low) and
/// 1 (high), words 2 and 3 stay 0; the key is (seed low 32 bits, seed high 32 bits).
MINIDL_HD_INLINE Philox4x32 philox_block(uint64_t seed, uint64_t counter) {
  const Philox4x32 ctr = {{static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), 0u, 0u}};
  const Philox2x32Key key = {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
  return philox4x32_10(ctr, key);
}

}  // namespace minidl::kernels
