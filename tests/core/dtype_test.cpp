#include "core/dtype.h"

#include <gtest/gtest.h>

#include "core/device.h"
#include "core/error.h"

namespace minidl {
namespace {

TEST(DType, SizesMatchTheCppTypes) {
  EXPECT_EQ(element_size(DType::Float32), sizeof(float));
  EXPECT_EQ(element_size(DType::Float64), sizeof(double));
  EXPECT_EQ(element_size(DType::Float16), sizeof(Half));
  EXPECT_EQ(element_size(DType::BFloat16), sizeof(BFloat16));
  EXPECT_EQ(element_size(DType::Int32), sizeof(int32_t));
  EXPECT_EQ(element_size(DType::Int64), sizeof(int64_t));
  EXPECT_EQ(element_size(DType::UInt8), sizeof(uint8_t));
  EXPECT_EQ(element_size(DType::Bool), sizeof(bool));
}

TEST(DType, NamesAreTorchNames) {
  EXPECT_EQ(dtype_name(DType::Float32), "float32");
  EXPECT_EQ(dtype_name(DType::BFloat16), "bfloat16");
  EXPECT_EQ(dtype_name(DType::Bool), "bool");
}

TEST(DType, PromotionFollowsTorch) {
  EXPECT_EQ(promote_types(DType::Int64, DType::Float16), DType::Float16);
  EXPECT_EQ(promote_types(DType::Float16, DType::BFloat16), DType::Float32);
  EXPECT_EQ(promote_types(DType::Float32, DType::Float64), DType::Float64);
  EXPECT_EQ(promote_types(DType::UInt8, DType::Int32), DType::Int32);
  EXPECT_EQ(promote_types(DType::Bool, DType::UInt8), DType::UInt8);
  EXPECT_EQ(promote_types(DType::Bool, DType::Bool), DType::Bool);
  for (DType a : kAllDTypes)
    for (DType b : kAllDTypes) EXPECT_EQ(promote_types(a, b), promote_types(b, a));
}

TEST(Device, ParsesAndPrints) {
  EXPECT_EQ(Device::parse("cpu"), Device::cpu());
  EXPECT_EQ(Device::parse("cuda"), Device::cuda(0));
  EXPECT_EQ(Device::parse("cuda:3"), Device::cuda(3));
  EXPECT_EQ(Device::cuda(1).str(), "cuda:1");
  EXPECT_THROW(Device::parse("gpu"), ValueError);
  EXPECT_THROW(Device::parse("cuda:x"), ValueError);
  EXPECT_THROW(Device::parse("cuda:-1"), ValueError);
}

TEST(Device, UnavailableCudaThrowsClearly) {
  if (cuda_available()) GTEST_SKIP() << "a CUDA device exists here";
  try {
    check_device(Device::cuda(0));
    FAIL() << "expected DeviceUnavailableError";
  } catch (const DeviceUnavailableError& e) {
    EXPECT_NE(std::string(e.what()).find("cuda:0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace minidl
