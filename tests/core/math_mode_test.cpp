// The TF32 switches: PyTorch's defaults, setters, and a scope that restores them.
#include "core/math_mode.h"

#include <gtest/gtest.h>

namespace minidl {
namespace {

TEST(MathMode, DefaultsArePyTorchs) {
  EXPECT_TRUE(allow_tf32_conv());     // torch.backends.cudnn.allow_tf32
  EXPECT_FALSE(allow_tf32_matmul());  // torch.backends.cuda.matmul.allow_tf32
}

TEST(MathMode, SettersAndScopeRestore) {
  {
    const Tf32Scope off(false, false);
    EXPECT_FALSE(allow_tf32_conv());
    EXPECT_FALSE(allow_tf32_matmul());
    {
      const Tf32Scope on(true, true);
      EXPECT_TRUE(allow_tf32_conv());
      EXPECT_TRUE(allow_tf32_matmul());
    }
    EXPECT_FALSE(allow_tf32_conv());
    EXPECT_FALSE(allow_tf32_matmul());
  }
  EXPECT_TRUE(allow_tf32_conv());
  EXPECT_FALSE(allow_tf32_matmul());
  set_allow_tf32_matmul(true);
  EXPECT_TRUE(allow_tf32_matmul());
  set_allow_tf32_matmul(false);
}

}  // namespace
}  // namespace minidl
