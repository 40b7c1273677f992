// The per-element draws of kernels/math/random.h: word-to-uniform ranges, our
// log/sin/cos against the C library, the Box–Muller pairing of words and elements,
// the half-open guard of uniform, and the tail of a block (Random123 counters).
#include "kernels/math/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

namespace minidl::kernels {
namespace {

constexpr uint32_t kMaxWord = 0xffffffffu;

TEST(RandomMath, UniformFloatIsHalfOpen) {
  EXPECT_EQ(uniform_float(0), 0.0f);
  EXPECT_EQ(uniform_float(0xff), 0.0f);  // only the top 24 bits count
  EXPECT_EQ(uniform_float(0x100), 0x1p-24f);
  EXPECT_EQ(uniform_float(kMaxWord), 1.0f - 0x1p-24f);
  EXPECT_EQ(uniform_float(0x80000000u), 0.5f);
}

TEST(RandomMath, UniformDoubleIsOpen) {
  EXPECT_EQ(uniform_double(0), 0x1p-33);
  EXPECT_EQ(uniform_double(kMaxWord), 1.0 - 0x1p-33);
  EXPECT_GT(uniform_double(0), 0.0);
  EXPECT_LT(uniform_double(kMaxWord), 1.0);
}

TEST(RandomMath, LogFloatMatchesLibmWithinTwoUlp) {
  for (uint32_t k = 1; k < (1u << 24); k += 97) {  // every u1 Box–Muller can see, sampled
    const float x = static_cast<float>(k) * 0x1p-24f;
    const float want = std::log(x);
    const float ulp = std::nextafter(std::fabs(want), INFINITY) - std::fabs(want);
    ASSERT_NEAR(log_float(x), want, 2 * ulp + 1e-30f) << "x=" << x;
  }
  EXPECT_EQ(log_float(1.0f), 0.0f);
  EXPECT_NEAR(log_float(0x1p-24f), -24 * std::numbers::ln2_v<float>, 1e-5f);
}

TEST(RandomMath, LogDoubleMatchesLibmWithinTwoUlp) {
  for (uint64_t k = 0; k <= kMaxWord; k += 65521) {
    const double x = uniform_double(static_cast<uint32_t>(k));
    const double want = std::log(x);
    const double ulp = std::nextafter(std::fabs(want), INFINITY) - std::fabs(want);
    ASSERT_NEAR(log_double(x), want, 2 * ulp) << "x=" << x;
  }
}

TEST(RandomMath, SinCosOfTurnsMatchLibm) {
  for (uint64_t k = 0; k <= kMaxWord; k += 40009) {
    const auto turns = static_cast<uint32_t>(k);
    // long double: the reference angle itself must be finer than a double ulp of 2*pi.
    const long double angle = 2 * std::numbers::pi_v<long double> * turns * 0x1p-32L;
    double s, c;
    sincos_turns(turns, &s, &c);
    ASSERT_NEAR(s, static_cast<double>(std::sin(angle)), 3e-16) << turns;
    ASSERT_NEAR(c, static_cast<double>(std::cos(angle)), 3e-16) << turns;
    float sf, cf;
    sincos_turns(turns, &sf, &cf);
    ASSERT_NEAR(sf, static_cast<double>(std::sin(angle)), 1.2e-7) << turns;
    ASSERT_NEAR(cf, static_cast<double>(std::cos(angle)), 1.2e-7) << turns;
  }
}

TEST(RandomMath, SinCosAtQuarterTurnsAreExact) {
  const uint32_t quarters[4] = {0, 0x40000000u, 0x80000000u, 0xc0000000u};
  const float want_sin[4] = {0, 1, 0, -1}, want_cos[4] = {1, 0, -1, 0};
  for (int q = 0; q < 4; ++q) {
    float s, c;
    sincos_turns(quarters[q], &s, &c);
    EXPECT_EQ(s, want_sin[q]) << q;
    EXPECT_EQ(c, want_cos[q]) << q;
  }
}

TEST(RandomMath, BoxMullerPairsWordsAndElements) {
  const Philox4x32 block = philox_block(1234, 5);
  float out[4];
  NormalDraw<float>{0.0f, 1.0f}(block, out);
  for (int pair = 0; pair < 2; ++pair) {
    float z_cos, z_sin;
    box_muller(block.v[2 * pair], block.v[2 * pair + 1], &z_cos, &z_sin);
    EXPECT_EQ(out[2 * pair], z_cos);      // even element: cos
    EXPECT_EQ(out[2 * pair + 1], z_sin);  // odd element: sin
    const float u1 = 1.0f - uniform_float(block.v[2 * pair]);
    EXPECT_NEAR(z_cos * z_cos + z_sin * z_sin, -2 * std::log(u1), 1e-5f);
    const double theta = 2 * std::numbers::pi * uniform_float(block.v[2 * pair + 1]);
    EXPECT_NEAR(std::atan2(z_sin, z_cos), std::remainder(theta, 2 * std::numbers::pi), 1e-5);
  }
}

TEST(RandomMath, BoxMullerRadiusIsBounded) {
  float z_cos, z_sin;
  box_muller<float>(kMaxWord, 0, &z_cos, &z_sin);  // smallest u1 = 2^-24
  EXPECT_NEAR(z_cos, std::sqrt(48 * std::numbers::ln2_v<float>), 1e-5f);
  EXPECT_EQ(z_sin, 0.0f);
  box_muller<float>(0, 0, &z_cos, &z_sin);  // u1 = 1: radius 0
  EXPECT_EQ(z_cos, 0.0f);
  double d_cos, d_sin;
  box_muller<double>(0, 0x40000000u, &d_cos, &d_sin);  // u1 = 2^-33, a quarter turn
  EXPECT_NEAR(d_sin, std::sqrt(66 * std::numbers::ln2), 1e-14);
  EXPECT_EQ(d_cos, 0.0);
}

TEST(RandomMath, BernoulliThresholdIsUniformBelowProb) {
  EXPECT_EQ(bernoulli_threshold(0.0), 0u);
  EXPECT_EQ(bernoulli_threshold(1.0), uint64_t{1} << 32);
  EXPECT_EQ(bernoulli_threshold(0.5), uint64_t{1} << 31);
  EXPECT_EQ(bernoulli_threshold(0x1p-40), 1u);  // any prob > 0 can fire
  EXPECT_FALSE(bernoulli_draw(0, bernoulli_threshold(0.0)));
  EXPECT_TRUE(bernoulli_draw(kMaxWord, bernoulli_threshold(1.0)));
  EXPECT_TRUE(bernoulli_draw(0x7fffffffu, bernoulli_threshold(0.5)));
  EXPECT_FALSE(bernoulli_draw(0x80000000u, bernoulli_threshold(0.5)));
}

TEST(RandomMath, RandintTakesTheWordModuloTheRange) {
  EXPECT_EQ(randint_draw(17, -5, 10), -5 + 7);
  EXPECT_EQ(randint_draw(kMaxWord, 0, 0), int64_t{kMaxWord});  // range 2^32
  EXPECT_EQ(randint_draw(kMaxWord, -(int64_t{1} << 31), 0), int64_t{kMaxWord} - (int64_t{1} << 31));
  const RandintDraw<int64_t> draw = make_randint_draw<int64_t>(-3, 4);
  const Philox4x32 block = philox_block(9, 0);
  int64_t out[4];
  draw(block, out);
  for (int j = 0; j < 4; ++j) EXPECT_EQ(out[j], -3 + int64_t{block.v[j] % 7});
}

TEST(RandomMath, UniformNeverReachesHigh) {
  const Philox4x32 top = {{kMaxWord, kMaxWord, 0, 0}};
  float f[4];
  make_uniform_draw<float>(1.0, 2.0)(top, f);  // 1 + (1 - 2^-24) rounds to 2 in float
  EXPECT_EQ(f[0], std::nextafter(2.0f, 0.0f));
  EXPECT_EQ(f[2], 1.0f);
  Half h[4];
  make_uniform_draw<Half>(0.0, 1.0)(top, h);  // 1 - 2^-24 rounds to 1 in half
  EXPECT_EQ(static_cast<float>(h[0]), 1.0f - 0x1p-11f);
  BFloat16 b[4];
  make_uniform_draw<BFloat16>(-1.0, 0.0)(top, b);
  EXPECT_LT(static_cast<float>(b[0]), 0.0f);
  EXPECT_EQ(static_cast<float>(b[2]), -1.0f);
  double d[4];
  make_uniform_draw<double>(3.0, 3.0)(top, d);  // empty interval: low
  EXPECT_EQ(d[0], 3.0);
}

TEST(RandomMath, NextBelowSteps16BitFloats) {
  EXPECT_EQ(next_below(Half(1.0f)).bits, 0x3bffu);
  EXPECT_EQ(next_below(Half(0.0f)).bits, 0x8001u);
  EXPECT_EQ(next_below(Half(-1.0f)).bits, 0xbc01u);
  EXPECT_EQ(static_cast<float>(next_below(BFloat16(1.0f))), 1.0f - 0x1p-8f);
  EXPECT_EQ(next_below(1.0), 1.0 - 0x1p-53);
}

TEST(RandomMath, ElementUsesWordIModFourOfBlockIDivFour) {
  const uint64_t seed = 0x123456789abcdefull, offset = 41;
  std::vector<float> dst(11, -1.0f);
  const UniformDraw<float> draw = make_uniform_draw<float>(0.0, 1.0);
  for (int64_t b = 0; b < 3; ++b) write_random_block(dst.data(), 10, b, seed, offset, draw);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(dst[i], uniform_float(philox_block(seed, offset + i / 4).v[i % 4])) << i;
  EXPECT_EQ(dst[10], -1.0f);  // the tail of the last block is not written
  EXPECT_EQ(random_blocks(10), 3u);
  EXPECT_EQ(random_blocks(0), 0u);
  EXPECT_EQ(random_blocks(8), 2u);
}

TEST(RandomMath, BernoulliMaskIsTheSameForEveryDType) {
  const Philox4x32 block = philox_block(77, 3);
  float f[4];
  bool b[4];
  uint8_t u[4];
  make_bernoulli_draw<float>(0.4)(block, f);
  make_bernoulli_draw<bool>(0.4)(block, b);
  make_bernoulli_draw<uint8_t>(0.4)(block, u);
  for (int j = 0; j < 4; ++j) {
    EXPECT_EQ(f[j], b[j] ? 1.0f : 0.0f);
    EXPECT_EQ(u[j], b[j] ? 1 : 0);
  }
}

}  // namespace
}  // namespace minidl::kernels
