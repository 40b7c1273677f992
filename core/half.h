// 16-bit float storage types. Conversions are bit manipulation written once
// (round to nearest even), so the CPU and the GPU convert identically; the
// arithmetic happens in float.
#pragma once

#include <cstdint>
#include <cstring>

#include "core/host_device.h"

namespace minidl {
namespace detail {
MINIDL_HD_INLINE uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
#endif
}
MINIDL_HD_INLINE float bits_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

/// IEEE binary16 from binary32, round to nearest even (NaN stays NaN).
MINIDL_HD_INLINE uint16_t float_to_half_bits(float f) {
  const uint32_t x = float_bits(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);  // NaN
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow to inf
  if (abs < 0x38800000u) {                                               // subnormal or zero
    if (abs < 0x33000000u) return static_cast<uint16_t>(sign);
    const uint32_t exp = abs >> 23;
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126u - exp;  // 14..24
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1u);
    const uint32_t half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = ((abs - 0x38000000u) >> 13);
  const uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

MINIDL_HD_INLINE float half_bits_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1fu) return bits_float(sign | 0x7f800000u | (mant << 13));
  if (exp == 0) {
    if (mant == 0) return bits_float(sign);
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400u) == 0);
    return bits_float(sign | static_cast<uint32_t>(112 - e) << 23 | (mant & 0x3ffu) << 13);
  }
  return bits_float(sign | (exp + 112u) << 23 | mant << 13);
}

MINIDL_HD_INLINE uint16_t float_to_bfloat16_bits(float f) {
  const uint32_t x = float_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // NaN
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

MINIDL_HD_INLINE float bfloat16_bits_to_float(uint16_t b) {
  return bits_float(static_cast<uint32_t>(b) << 16);
}
}  // namespace detail

/// IEEE half precision, stored as bits.
struct Half {
  uint16_t bits = 0;
  Half() = default;
  MINIDL_HD_INLINE Half(float f) : bits(detail::float_to_half_bits(f)) {}
  MINIDL_HD_INLINE operator float() const { return detail::half_bits_to_float(bits); }
};

/// bfloat16 (the upper half of a float32), stored as bits.
struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  MINIDL_HD_INLINE BFloat16(float f) : bits(detail::float_to_bfloat16_bits(f)) {}
  MINIDL_HD_INLINE operator float() const { return detail::bfloat16_bits_to_float(bits); }
};

}  // namespace minidl
