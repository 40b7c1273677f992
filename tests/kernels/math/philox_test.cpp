// Philox4x32-10 against the known answers published with Random123 (Salmon et
// al. 2011; docs/formulas.md), and the (seed, counter) -> (key, counter) layout.
#include "kernels/math/philox.h"

#include <gtest/gtest.h>

namespace minidl::kernels {
namespace {

void expect_block(const Philox4x32& got, const Philox4x32& want) {
  for (int j = 0; j < 4; ++j) EXPECT_EQ(got.v[j], want.v[j]) << "word " << j;
}

TEST(Philox, KnownAnswerZeros) {
  expect_block(philox4x32_10({{0, 0, 0, 0}}, {{0, 0}}),
               {{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}});
}

TEST(Philox, KnownAnswerAllOnes) {
  const uint32_t ones = 0xffffffffu;
  expect_block(philox4x32_10({{ones, ones, ones, ones}}, {{ones, ones}}),
               {{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}});
}

TEST(Philox, KnownAnswerPi) {
  expect_block(
      philox4x32_10({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, {{0xa4093822u, 0x299f31d0u}}),
      {{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}});
}

TEST(Philox, BlockSplitsSeedAndCounterIntoWords) {
  const uint64_t seed = 0xa4093822299f31d0ull;  // key words (low, high) = (299f31d0, a4093822)
  const uint64_t counter = 0x0123456789abcdefull;
  expect_block(philox_block(seed, counter),
               philox4x32_10({{0x89abcdefu, 0x01234567u, 0, 0}}, {{0x299f31d0u, 0xa4093822u}}));
}

TEST(Philox, NeighbouringCountersDiffer) {
  const Philox4x32 a = philox_block(42, 0), b = philox_block(42, 1), c = philox_block(43, 0);
  EXPECT_NE(a.v[0], b.v[0]);
  EXPECT_NE(a.v[0], c.v[0]);
}

}  // namespace
}  // namespace minidl::kernels
