// The 2x2 max-pooling shortcuts (kernels/math/pooling.h) against the general window rule,
// max_pool_argmax, on every 2x2 window over {-inf, 0, 1, +inf, NaN} (ties and NaNs included),
// and when the shortcut applies.
#include "kernels/math/pooling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace minidl::kernels {
namespace {

TEST(MaxOf2x2, AgreesWithTheGeneralRuleOnEveryWindowOfFiveValues) {
  const double inf = std::numeric_limits<double>::infinity();
  const double values[] = {-inf, 0.0, 1.0, inf, std::nan("")};
  PoolGeometry g;
  g.in_h = g.in_w = 2;
  g.out_h = g.out_w = 1;
  g.kernel_h = g.kernel_w = g.stride_h = g.stride_w = 2;
  int windows = 0;
  for (double a : values)
    for (double b : values)
      for (double c : values)
        for (double d : values) {
          const double plane[4] = {a, b, c, d};
          const auto expected = max_pool_argmax<double>(plane, g, 0, 0);
          EXPECT_EQ(max_of_2x2(a, b, c, d), expected) << a << " " << b << " " << c << " " << d;
          const double value = max_value_2x2(a, b, c, d);
          if (std::isnan(plane[expected]))
            EXPECT_TRUE(std::isnan(value));
          else
            EXPECT_EQ(value, plane[expected]);
          EXPECT_EQ(max_of_2x2(static_cast<float>(a), static_cast<float>(b), static_cast<float>(c),
                               static_cast<float>(d)),
                    expected);
          ++windows;
        }
  EXPECT_EQ(windows, 625);
}

TEST(MaxOf2x2, TiesGoToTheFirstAndNaNsToTheLast) {
  EXPECT_EQ(max_of_2x2(1.0, 1.0, 1.0, 1.0), 0);
  EXPECT_EQ(max_of_2x2(0.0, 2.0, 1.0, 2.0), 1);
  const double nan = std::nan("");
  EXPECT_EQ(max_of_2x2(nan, 5.0, nan, 1.0), 2);
  EXPECT_EQ(max_of_2x2(nan, 5.0, 1.0, 7.0), 0);
}

TEST(IsPlain2x2Pool, OnlyUnpaddedTwoByTwoWindowsAtStrideTwo) {
  PoolGeometry g;
  g.in_h = 7, g.in_w = 5, g.out_h = 3, g.out_w = 2;
  g.kernel_h = g.kernel_w = g.stride_h = g.stride_w = 2;
  EXPECT_TRUE(is_plain_2x2_pool(g));  // odd sizes: the last row and column belong to no window
  g.pad_w = 1;
  EXPECT_FALSE(is_plain_2x2_pool(g));
  g.pad_w = 0, g.stride_h = 1;
  EXPECT_FALSE(is_plain_2x2_pool(g));
  g.stride_h = 2, g.kernel_w = 3;
  EXPECT_FALSE(is_plain_2x2_pool(g));
}

}  // namespace
}  // namespace minidl::kernels
