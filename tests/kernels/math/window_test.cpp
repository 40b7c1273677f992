// Window geometry against independent references: the output-size formula against
// counting the window positions that fit, and adaptive windows against PyTorch's
// floor/ceil definition in floating point, plus the inverse ranges the gathered
// backward relies on, checked exhaustively for small sizes.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/math/window.h"

namespace minidl::kernels {
namespace {

// Number of window starts s = -pad + i*stride whose dilated extent stays inside the padded input.
int64_t count_positions(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation) {
  int64_t count = 0;
  for (int64_t start = -pad; start + dilation * (kernel - 1) <= in - 1 + pad; start += stride) ++count;
  return count;
}

TEST(WindowOutputSize, MatchesCountedPositions) {
  for (int64_t in = 1; in <= 12; ++in)
    for (int64_t kernel = 1; kernel <= 5; ++kernel)
      for (int64_t stride = 1; stride <= 3; ++stride)
        for (int64_t pad = 0; pad <= 2; ++pad)
          for (int64_t dilation = 1; dilation <= 3; ++dilation) {
            const int64_t expected = count_positions(in, kernel, stride, pad, dilation);
            const int64_t got = window_output_size(in, kernel, stride, pad, dilation);
            if (expected > 0)
              EXPECT_EQ(got, expected) << in << " " << kernel << " " << stride << " " << pad;
            else
              EXPECT_LE(got, 0) << in << " " << kernel << " " << stride << " " << pad << " " << dilation;
          }
}

TEST(WindowOutputSize, CifarShapes) {
  EXPECT_EQ(window_output_size(32, 3, 1, 1), 32);
  EXPECT_EQ(window_output_size(32, 2, 2, 0), 16);
  EXPECT_EQ(window_output_size(7, 3, 2, 1), 4);
  EXPECT_EQ(window_output_size(2, 5, 1, 0), -2);  // floor(-3/1)+1: no output
}

TEST(AdaptiveWindow, MatchesFloorCeilDefinition) {
  for (int64_t in = 1; in <= 20; ++in)
    for (int64_t out = 1; out <= 20; ++out)
      for (int64_t i = 0; i < out; ++i) {
        EXPECT_EQ(adaptive_start(i, in, out), static_cast<int64_t>(std::floor(double(i) * in / out)));
        EXPECT_EQ(adaptive_end(i, in, out), static_cast<int64_t>(std::ceil(double(i + 1) * in / out)));
      }
}

TEST(AdaptiveWindow, SwappedFormulaListsTheWindowsHoldingAnInput) {
  for (int64_t in = 1; in <= 20; ++in)
    for (int64_t out = 1; out <= 20; ++out)
      for (int64_t h = 0; h < in; ++h) {
        const int64_t lo = adaptive_start(h, out, in), hi = adaptive_end(h, out, in);
        for (int64_t i = 0; i < out; ++i) {
          const bool holds = adaptive_start(i, in, out) <= h && h < adaptive_end(i, in, out);
          EXPECT_EQ(holds, lo <= i && i < hi) << "in " << in << " out " << out << " h " << h << " i " << i;
        }
      }
}

TEST(Size2, OneIntMeansBoth) {
  EXPECT_EQ(Size2(3), Size2(3, 3));
  EXPECT_EQ(Size2(2, 5).w, 5);
}

}  // namespace
}  // namespace minidl::kernels
