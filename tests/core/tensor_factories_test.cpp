#include <gtest/gtest.h>

#include "core/tensor.h"

namespace minidl {
namespace {

TEST(TensorFactories, ZerosOnesFull) {
  EXPECT_EQ(zeros({2, 2}).to_vector<float>(), std::vector<float>(4, 0.f));
  EXPECT_EQ(ones({3}, {.dtype = DType::Int64}).to_vector<int64_t>(), std::vector<int64_t>(3, 1));
  EXPECT_EQ(full({2}, -1.25, {.dtype = DType::Float64}).to_vector<double>(), std::vector<double>(2, -1.25));
  EXPECT_EQ(zeros({0, 3}).numel(), 0);
  EXPECT_THROW(zeros({-1}), ShapeError);
}

TEST(TensorFactories, LikeKeepsDTypeAndShape) {
  const Tensor a = zeros({2, 3}, {.dtype = DType::BFloat16});
  const Tensor b = ones_like(a);
  EXPECT_EQ(b.dtype(), DType::BFloat16);
  EXPECT_EQ(b.shape(), a.shape());
  EXPECT_EQ(b.to_vector<float>(), std::vector<float>(6, 1.f));
}

TEST(TensorFactories, ArangeCountsLikePython) {
  EXPECT_EQ(arange(4.0).to_vector<float>(), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(arange(1.0, 2.0, 0.3, {.dtype = DType::Float64}).numel(), 4);  // 1, 1.3, 1.6, 1.9
  EXPECT_EQ(arange(5.0, 0.0, -2.0, {.dtype = DType::Int32}).to_vector<int32_t>(),
            (std::vector<int32_t>{5, 3, 1}));
  EXPECT_THROW(arange(0.0, 1.0, 0.0), ValueError);
  EXPECT_THROW(arange(0.0, 1.0, -1.0), ValueError);
}

TEST(TensorFactories, CpuMemoryIsAligned) {
  for (int n : {1, 3, 17, 1000})
    EXPECT_EQ(reinterpret_cast<uintptr_t>(empty({n}).data_ptr()) % 64, 0u);
}

}  // namespace
}  // namespace minidl
