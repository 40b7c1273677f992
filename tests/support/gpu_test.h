// Base fixture of GPU tests: skips visibly when no CUDA device can be used.
// Name fixtures "<Something>Gpu" so ctest labels their tests "gpu".
#pragma once

#include <gtest/gtest.h>

#include "core/device.h"

namespace minidl::test {

class GpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cuda_available())
      GTEST_SKIP() << (cuda_compiled() ? "no CUDA device or driver on this machine"
                                       : "minidl was built without CUDA");
  }
};

}  // namespace minidl::test
