// The dropout math of kernels/math/dropout.h and the CPU kernels' contract: the keep
// decision is word i%4 of Philox block offset + i/4 below ceil((1 - drop_prob) * 2^32),
// kept values are scaled by 1/(1 - drop_prob), and the mask is bit i%8 of byte i/8.
#include "kernels/math/dropout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/tensor.h"
#include "kernels/dropout.h"

namespace minidl::kernels {
namespace {

// The reference keep decision, from philox_block (checked against Random123's known answers)
// and a threshold computed here, not by the code under test.
bool reference_keep(uint64_t seed, uint64_t offset, int64_t i, double drop_prob) {
  const auto threshold = static_cast<uint64_t>(std::ceil((1.0 - drop_prob) * 4294967296.0));
  return philox_block(seed, offset + static_cast<uint64_t>(i) / 4).v[i % 4] < threshold;
}

TEST(DropoutMath, NibbleBitsAreTheBernoulliDrawsOfTheBlockWords) {
  const uint64_t threshold = dropout_keep_threshold(0.3);
  for (uint64_t counter = 0; counter < 64; ++counter) {
    const Philox4x32 block = philox_block(42, counter);
    const uint32_t nibble = dropout_keep_nibble(block, threshold);
    for (int j = 0; j < 4; ++j) EXPECT_EQ((nibble >> j) & 1u, block.v[j] < threshold ? 1u : 0u);
    EXPECT_EQ(nibble >> 4, 0u);
  }
}

TEST(DropoutMath, ThresholdEdges) {
  EXPECT_EQ(dropout_keep_threshold(0.0), uint64_t{1} << 32);  // every word kept, 0xffffffff too
  EXPECT_TRUE(bernoulli_draw(0xffffffffu, dropout_keep_threshold(0.0)));
  EXPECT_EQ(dropout_keep_threshold(1.0), 0u);  // nothing kept, word 0 neither
  EXPECT_FALSE(bernoulli_draw(0u, dropout_keep_threshold(1.0)));
  EXPECT_EQ(dropout_keep_threshold(0.5), uint64_t{1} << 31);
  EXPECT_TRUE(bernoulli_draw(0x7fffffffu, dropout_keep_threshold(0.5)));
  EXPECT_FALSE(bernoulli_draw(0x80000000u, dropout_keep_threshold(0.5)));
}

TEST(DropoutMath, ScaleIsInverseKeepProbability) {
  EXPECT_EQ(dropout_scale<float>(0.5), 2.0f);
  EXPECT_EQ(dropout_scale<double>(0.2), 1.0 / 0.8);
  EXPECT_EQ(dropout_scale<float>(0.0), 1.0f);
  EXPECT_EQ(dropout_scale<float>(1.0), 0.0f);
}

TEST(DropoutMath, ApplyScalesKeptAndZeroesDropped) {
  EXPECT_EQ(dropout_apply(3.0f, true, 2.0f), 6.0f);
  EXPECT_EQ(dropout_apply(3.0f, false, 2.0f), 0.0f);
  EXPECT_EQ(static_cast<float>(dropout_apply(Half(1.5f), true, 2.0f)), 3.0f);
  EXPECT_EQ(static_cast<float>(dropout_apply(BFloat16(-1.5f), false, 2.0f)), 0.0f);
  // A multiply, as PyTorch's x * mask * scale: a dropped NaN stays NaN.
  EXPECT_TRUE(std::isnan(dropout_apply(std::numeric_limits<float>::quiet_NaN(), false, 2.0f)));
}

TEST(DropoutMath, BlockWritesOnlyElementsBelowN) {
  const DropoutDraw<float> draw = make_dropout_draw<float>(7, 3, 0.5);
  const std::vector<float> src(8, 1.0f);
  std::vector<float> dst(8, -1.0f);
  const uint32_t bits = dropout_block(src.data(), dst.data(), 6, 1, draw);  // elements 4, 5 of block 1
  EXPECT_EQ(bits >> 2, 0u);
  for (int j = 0; j < 2; ++j) {
    EXPECT_EQ((bits >> j) & 1u, reference_keep(7, 3, 4 + j, 0.5) ? 1u : 0u);
    EXPECT_EQ(dst[4 + j], (bits >> j) & 1u ? 2.0f : 0.0f);
  }
  for (int i : {0, 1, 2, 3, 6, 7}) EXPECT_EQ(dst[i], -1.0f) << i;
}

TEST(DropoutMath, WordBitIsElementKeepDecision) {
  const uint64_t seed = 0x1234567890ull, offset = 99;
  const int64_t n = 75;  // three words, the last one partial
  const DropoutDraw<double> draw = make_dropout_draw<double>(seed, offset, 0.25);
  const std::vector<double> src(n, 1.0);
  std::vector<double> dst(n, 0.0);
  for (int64_t w = 0; w < dropout_mask_words(n); ++w) {
    const uint32_t word = dropout_word(src.data(), dst.data(), n, w, draw);
    for (int b = 0; b < 32; ++b) {
      const int64_t i = 32 * w + b;
      const bool want = i < n && reference_keep(seed, offset, i, 0.25);
      EXPECT_EQ((word >> b) & 1u, want ? 1u : 0u) << "element " << i;
      EXPECT_EQ(dropout_keep(seed, offset, i, draw.keep_threshold), reference_keep(seed, offset, i, 0.25));
    }
  }
}

// The kernel contract on the CPU: mask byte i/8, bit i%8 (least significant first); padding
// bits and bytes up to the whole last 32-bit word are 0.
TEST(DropoutKernels, CpuMaskBitLayout) {
  for (const int64_t n : {1, 7, 8, 31, 32, 33, 100, 1000, 4099}) {
    const PhiloxSeed seed{2024, 17};
    const Tensor x = minidl::arange(1.0, static_cast<double>(n) + 1.0, 1.0);
    const Tensor y = empty({n});
    const Tensor mask = dropout_mask_like(x);
    ASSERT_EQ(mask.numel(), 4 * ((n + 31) / 32));
    dropout_forward(x, y, mask, seed, 0.4);
    const std::vector<uint8_t> bytes = mask.to_vector<uint8_t>();
    const std::vector<float> values = y.to_vector<float>();
    for (int64_t i = 0; i < 8 * mask.numel(); ++i) {
      const bool bit = (bytes[i / 8] >> (i % 8)) & 1u;
      if (i >= n) {
        ASSERT_FALSE(bit) << "padding bit " << i << " of n=" << n;
        continue;
      }
      const bool keep = reference_keep(seed.seed, seed.offset, i, 0.4);
      ASSERT_EQ(bit, keep) << "element " << i << " of n=" << n;
      ASSERT_EQ(values[i], keep ? static_cast<float>(i + 1) * static_cast<float>(1.0 / 0.6) : 0.0f) << i;
    }
  }
}

TEST(DropoutKernels, BackwardFromMaskEqualsBackwardRegenerated) {
  const int64_t n = 5000;
  const PhiloxSeed seed{5, 1u << 20};
  for (const DType dtype : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16}) {
    const Tensor x = ones({n}, {.dtype = dtype});
    const Tensor y = empty_like(x), mask = dropout_mask_like(x);
    dropout_forward(x, y, mask, seed, 0.3);
    const Tensor dy = minidl::arange(1.0, static_cast<double>(n) + 1.0, 1.0, {.dtype = dtype});
    const Tensor from_mask = empty_like(x), regenerated = empty_like(x);
    dropout_backward(dy, mask, from_mask, 0.3);
    dropout_backward_regenerate(dy, regenerated, seed, 0.3);
    EXPECT_EQ(from_mask.to_vector<double>(), regenerated.to_vector<double>()) << dtype;
    const std::vector<double> kept = y.to_vector<double>(), grads = from_mask.to_vector<double>();
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(grads[i] == 0.0, kept[i] == 0.0) << i;
  }
}

TEST(DropoutKernels, MaskDoesNotDependOnDType) {
  const PhiloxSeed seed{11, 0};
  std::vector<uint8_t> reference;
  for (const DType dtype : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16}) {
    const Tensor x = ones({333}, {.dtype = dtype});
    const Tensor y = empty_like(x), mask = dropout_mask_like(x);
    dropout_forward(x, y, mask, seed, 0.5);
    if (reference.empty()) reference = mask.to_vector<uint8_t>();
    EXPECT_EQ(mask.to_vector<uint8_t>(), reference) << dtype;
  }
}

TEST(DropoutKernels, RejectsBadArguments) {
  const Tensor x = ones({10}), y = empty({10}), mask = dropout_mask_like(x);
  EXPECT_THROW(dropout_forward(x, y, mask, {}, 1.5), ValueError);
  EXPECT_THROW(dropout_forward(x, y, mask, {}, -0.1), ValueError);
  EXPECT_THROW(dropout_forward(x, empty({11}), mask, {}, 0.5), ShapeError);
  EXPECT_THROW(dropout_forward(x, empty({10}, {.dtype = DType::Float64}), mask, {}, 0.5), DTypeError);
  EXPECT_THROW(dropout_forward(ones({10}, {.dtype = DType::Int32}), empty({10}, {.dtype = DType::Int32}),
                               mask, {}, 0.5),
               DTypeError);
  EXPECT_THROW(dropout_forward(x, y, empty({3}, {.dtype = DType::UInt8}), {}, 0.5), ValueError);
  EXPECT_THROW(dropout_forward(ones({4, 4}).t(), empty({4, 4}), dropout_mask_like(ones({16})), {}, 0.5),
               ValueError);
  EXPECT_THROW(dropout_backward(x, empty({4}, {.dtype = DType::Float32}), y, 0.5), ValueError);
}

}  // namespace
}  // namespace minidl::kernels
