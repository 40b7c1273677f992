// Base fixture of GPU tests: skips visibly when no CUDA device can be used, with the CUDA
// runtime's reason. With MINIDL_REQUIRE_GPU=1 (set by gpu-bundle/run.sh on a machine whose
// nvidia-smi lists a GPU) a missing device is a failure instead, so no GPU test passes
// vacuously there. Name fixtures "<Something>Gpu" so ctest labels their tests "gpu".
// GPU tests compare against the CPU with float32 tolerances, so TF32 is off while each runs
// (a test of TF32 itself opens its own Tf32Scope).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

#include "core/device.h"
#include "core/math_mode.h"

namespace minidl::test {

/// True when MINIDL_REQUIRE_GPU is set to a value other than "" or "0".
inline bool gpu_required() {
  const char* value = std::getenv("MINIDL_REQUIRE_GPU");
  return value != nullptr && std::string_view(value) != "" && std::string_view(value) != "0";
}

class GpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda_available()) return;
    if (gpu_required()) {
      FAIL() << "MINIDL_REQUIRE_GPU is set but no CUDA device can be used: " << cuda_unavailable_reason();
    } else {
      GTEST_SKIP() << "no CUDA device can be used: " << cuda_unavailable_reason();
    }
  }

 private:
  Tf32Scope no_tf32_{false, false};
};

}  // namespace minidl::test
