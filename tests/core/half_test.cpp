// float16/bfloat16 conversions against independent references: the compiler's
// _Float16 conversion, and a nearest-value search in double for bfloat16.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "core/half.h"

namespace minidl {
namespace {

// clang before 15 has no _Float16 on x86 (gcc 12 has): the tests that need it skip there.
#ifdef __FLT16_MANT_DIG__
#define MINIDL_TEST_HAS_FLOAT16 1
uint16_t reference_half_bits(float f) {
  const _Float16 h = static_cast<_Float16>(f);
  uint16_t bits;
  std::memcpy(&bits, &h, sizeof bits);
  return bits;
}
#endif

float bf16_value(uint16_t bits) {
  const uint32_t u = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Nearest bfloat16 by comparing the two neighbours in double; ties go to the even one.
uint16_t reference_bf16_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  const auto lo = static_cast<uint16_t>(u >> 16);
  const auto hi = static_cast<uint16_t>(lo + 1);
  // Past the largest finite value, "hi" is infinity, reached by rounding from 2^128.
  const double hi_value = std::isinf(bf16_value(hi)) ? std::copysign(std::ldexp(1.0, 128), f) : bf16_value(hi);
  const double dlo = std::abs(static_cast<double>(f) - bf16_value(lo));
  const double dhi = std::abs(static_cast<double>(f) - hi_value);
  if (dlo < dhi) return lo;
  if (dhi < dlo) return hi;
  return (lo & 1) ? hi : lo;
}

std::vector<float> sample_floats() {
  std::vector<float> values = {0.f, -0.f, 1.f, -1.f, 0.1f, 65504.f, 65519.f, 65520.f, 1e-8f, 5.96e-8f,
                               2.98e-8f, 6.1e-5f, 3.14159265f, std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity(), 1e30f, -1e-30f};
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    uint32_t bits = rng();
    float f;
    std::memcpy(&f, &bits, sizeof f);
    if (!std::isnan(f)) values.push_back(f);
  }
  return values;
}

TEST(Half, FromFloatMatchesCompiler) {
#ifdef MINIDL_TEST_HAS_FLOAT16
  for (float f : sample_floats())
    ASSERT_EQ(Half(f).bits, reference_half_bits(f)) << "value " << f;
#else
  GTEST_SKIP() << "this compiler has no _Float16 to compare with";
#endif
}

TEST(Half, EveryBitPatternRoundTrips) {
#ifdef MINIDL_TEST_HAS_FLOAT16
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    Half h;
    h.bits = static_cast<uint16_t>(bits);
    const float f = static_cast<float>(h);
    _Float16 ref;
    std::memcpy(&ref, &h.bits, sizeof ref);
    if (std::isnan(f)) {
      ASSERT_TRUE(std::isnan(static_cast<float>(ref)));
      continue;
    }
    ASSERT_EQ(f, static_cast<float>(ref)) << "bits " << bits;
    ASSERT_EQ(Half(f).bits, h.bits) << "bits " << bits;
  }
#else
  GTEST_SKIP() << "this compiler has no _Float16 to compare with";
#endif
}

TEST(Half, NanStaysNan) {
  EXPECT_TRUE(std::isnan(static_cast<float>(Half(std::nanf("")))));
  EXPECT_TRUE(std::isnan(static_cast<float>(BFloat16(std::nanf("")))));
}

TEST(BFloat16, FromFloatIsNearestEven) {
  for (float f : sample_floats())
    ASSERT_EQ(BFloat16(f).bits, reference_bf16_bits(f)) << "value " << f;
}

TEST(BFloat16, KnownValues) {
  EXPECT_EQ(BFloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(BFloat16(3.14159265f).bits, 0x4049);
  EXPECT_EQ(static_cast<float>(BFloat16(0.5f)), 0.5f);
}

}  // namespace
}  // namespace minidl
