// pool2d_output_shape(): floor((H + 2*pad - kernel) / stride) + 1 per axis, and the checks
// (PyTorch's padding <= kernel/2, a window larger than the padded input) naming the shape.
#include "kernels/pooling.h"

#include <gtest/gtest.h>

#include <string>

namespace minidl::kernels {
namespace {

TEST(Pool2dOutputShape, FollowsTheFormulaPerAxis) {
  EXPECT_EQ(pool2d_output_shape({8, 16, 32, 32}, {.kernel = 2, .stride = 2}, "max_pool2d"),
            Shape({8, 16, 16, 16}));
  // H: floor((7 + 2 - 3) / 2) + 1 = 4;  W: floor((5 + 0 - 2) / 3) + 1 = 2
  EXPECT_EQ(pool2d_output_shape({1, 2, 7, 5}, {.kernel = {3, 2}, .stride = {2, 3}, .padding = {1, 0}},
                                "avg_pool2d"),
            Shape({1, 2, 4, 2}));
}

TEST(Pool2dOutputShape, ErrorsNameTheOpAndShape) {
  try {
    pool2d_output_shape({1, 1, 2, 2}, {.kernel = 3, .stride = 1}, "max_pool2d");
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("max_pool2d"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[1, 1, 2, 2]"), std::string::npos) << msg;
  }
  EXPECT_THROW(pool2d_output_shape({1, 1, 8, 8}, {.kernel = 3, .stride = 1, .padding = 2}, "avg_pool2d"),
               ValueError);
  EXPECT_THROW(pool2d_output_shape({1, 1, 8, 8}, {.kernel = 0, .stride = 1}, "avg_pool2d"), ValueError);
  EXPECT_THROW(pool2d_output_shape({1, 8, 8}, {.kernel = 2, .stride = 2}, "avg_pool2d"), ShapeError);
}

}  // namespace
}  // namespace minidl::kernels
