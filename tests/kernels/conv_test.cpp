// conv2d_output_shape(): PyTorch's output-size formula per axis and the argument checks,
// whose messages name both shapes.
#include "kernels/conv.h"

#include <gtest/gtest.h>

#include <string>

namespace minidl::kernels {
namespace {

TEST(Conv2dOutputShape, FollowsTheFormulaPerAxis) {
  EXPECT_EQ(conv2d_output_shape({128, 3, 32, 32}, {32, 3, 3, 3}, {.padding = 1}), Shape({128, 32, 32, 32}));
  // H: floor((7 + 2*1 - 2*(3-1) - 1) / 2) + 1 = 3;  W: floor((6 + 0 - 1*(2-1) - 1) / 1) + 1 = 5
  EXPECT_EQ(conv2d_output_shape({2, 4, 7, 6}, {6, 2, 3, 2},
                                {.stride = {2, 1}, .padding = {1, 0}, .dilation = {2, 1}, .groups = 2}),
            Shape({2, 6, 3, 5}));
  EXPECT_EQ(conv2d_output_shape({1, 8, 5, 5}, {8, 1, 5, 5}, {.groups = 8}), Shape({1, 8, 1, 1}));
}

TEST(Conv2dOutputShape, ErrorsNameBothShapes) {
  auto message = [](const Shape& x, const Shape& w, const Conv2dParams& p) -> std::string {
    try {
      conv2d_output_shape(x, w, p);
    } catch (const ShapeError& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string channels = message({2, 3, 8, 8}, {4, 2, 3, 3}, {});
  EXPECT_NE(channels.find("[2, 3, 8, 8]"), std::string::npos) << channels;
  EXPECT_NE(channels.find("[4, 2, 3, 3]"), std::string::npos) << channels;
  const std::string small = message({1, 3, 4, 4}, {4, 3, 3, 3}, {.dilation = 2});
  EXPECT_NE(small.find("[1, 3, 4, 4]"), std::string::npos) << small;
  EXPECT_NE(message({1, 6, 4, 4}, {5, 2, 1, 1}, {.groups = 3}).find("groups"), std::string::npos);
  EXPECT_NE(message({6, 4, 4}, {5, 6, 1, 1}, {}).find("[6, 4, 4]"), std::string::npos);
  EXPECT_THROW(conv2d_output_shape({1, 3, 8, 8}, {4, 3, 3, 3}, {.stride = {1, 0}}), ValueError);
  EXPECT_THROW(conv2d_output_shape({1, 3, 8, 8}, {4, 3, 3, 3}, {.padding = -1}), ValueError);
  EXPECT_THROW(conv2d_output_shape({1, 3, 8, 8}, {4, 3, 3, 3}, {.groups = 0}), ValueError);
}

}  // namespace
}  // namespace minidl::kernels
