// kernels/math/stochastic_depth.h: the kept-branch scale 1/(1 - p) (0 at p = 1) and the linear
// rule p_l = p_L * l / L, against values worked by hand.
#include "kernels/math/stochastic_depth.h"

#include <gtest/gtest.h>

namespace minidl::kernels {
namespace {

TEST(StochasticDepthMath, ScaleIsOneOverKeepProbability) {
  EXPECT_EQ(stochastic_depth_scale(0.0), 1.0);
  EXPECT_EQ(stochastic_depth_scale(0.5), 2.0);
  EXPECT_EQ(stochastic_depth_scale(0.75), 4.0);
  EXPECT_DOUBLE_EQ(stochastic_depth_scale(0.2), 1.25);
  EXPECT_EQ(stochastic_depth_scale(1.0), 0.0);
}

TEST(StochasticDepthMath, LinearDropProbabilityReachesTheLastValueAtTheLastBlock) {
  EXPECT_DOUBLE_EQ(linear_drop_prob(1, 4, 0.5), 0.125);
  EXPECT_DOUBLE_EQ(linear_drop_prob(2, 4, 0.5), 0.25);
  EXPECT_DOUBLE_EQ(linear_drop_prob(4, 4, 0.5), 0.5);
  EXPECT_EQ(linear_drop_prob(3, 3, 0.2), 0.2);
  EXPECT_EQ(linear_drop_prob(5, 8, 0.0), 0.0);
}

}  // namespace
}  // namespace minidl::kernels
