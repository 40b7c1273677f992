// Tensor metadata, copies, dtype conversion and moves between devices. The
// GPU fixture repeats the copies through CUDA memory and compares with the CPU.
#include "core/tensor.h"

#include <gtest/gtest.h>

#include "support/gpu_test.h"

namespace minidl {
namespace {

TEST(Tensor, ContiguityAndStrides) {
  const Tensor a = zeros({2, 3, 4});
  EXPECT_EQ(a.strides(), (Shape{12, 4, 1}));
  EXPECT_TRUE(a.is_contiguous());
  EXPECT_FALSE(a.transpose(1, 2).is_contiguous());
  EXPECT_TRUE(a.slice(0, 0, 1).is_contiguous());
  EXPECT_TRUE(zeros({3, 1}).t().is_contiguous());  // size-1 dims do not matter
  EXPECT_EQ(a.nbytes(), 96u);
}

TEST(Tensor, StorageTooSmallIsRejected) {
  const Storage storage = Storage::allocate(16, Device::cpu());
  EXPECT_THROW(Tensor(storage, {5}, {1}, 0, DType::Float32), ShapeError);
  EXPECT_NO_THROW(Tensor(storage, {2, 2}, {2, 1}, 0, DType::Float32));
}

TEST(Tensor, DataChecksDType) {
  const Tensor a = zeros({2});
  EXPECT_NO_THROW(a.data<float>());
  EXPECT_THROW(a.data<double>(), DTypeError);
}

TEST(Tensor, CloneIsDeepAndContiguous) {
  const Tensor a = arange(6.0).view({2, 3}).t();
  const Tensor b = a.clone();
  EXPECT_TRUE(b.is_contiguous());
  EXPECT_EQ(b.to_vector<float>(), a.to_vector<float>());
  b.fill_(0);
  EXPECT_EQ(a.to_vector<float>()[1], 3.f);
}

TEST(Tensor, CopyBroadcastsAndCasts) {
  const Tensor dst = zeros({2, 3}, {.dtype = DType::Int32});
  dst.copy_(from_vector<double>({1.9, -2.5, 3.0}));
  EXPECT_EQ(dst.to_vector<int32_t>(), (std::vector<int32_t>{1, -2, 3, 1, -2, 3}));
  EXPECT_THROW(dst.copy_(zeros({4})), ShapeError);
}

TEST(Tensor, CopyIntoStridedDestination) {
  const Tensor base = zeros({3, 3});
  base.t().copy_(arange(9.0).view({3, 3}));
  EXPECT_EQ(base.to_vector<float>(), (std::vector<float>{0, 3, 6, 1, 4, 7, 2, 5, 8}));
}

TEST(Tensor, DTypeConversions) {
  const Tensor x = from_vector<float>({-1.5f, 0.f, 0.25f, 300.f});
  EXPECT_EQ(x.to(DType::Bool).to_vector<bool>(), (std::vector<bool>{true, false, true, true}));
  EXPECT_EQ(x.to(DType::Int64).to_vector<int64_t>(), (std::vector<int64_t>{-1, 0, 0, 300}));
  EXPECT_EQ(x.to(DType::UInt8).to_vector<int64_t>()[3], 44);  // 300 mod 256, as static_cast
  EXPECT_EQ(x.to(DType::Float16).to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(x.to(DType::BFloat16).to(DType::Float64).to_vector<double>(),
            (std::vector<double>{-1.5, 0, 0.25, 300}));
  const Tensor third = full({1}, 1.0 / 3.0, {.dtype = DType::Float64});
  EXPECT_EQ(third.to(DType::Float16).item(), static_cast<double>(static_cast<float>(Half(1.0f / 3.0f))));
}

TEST(Tensor, ItemNeedsOneElement) {
  EXPECT_EQ(full({1, 1}, 2.0, {.dtype = DType::Int64}).item<int64_t>(), 2);
  EXPECT_THROW(zeros({2}).item(), ValueError);
}

TEST(Tensor, FromVectorChecksSize) {
  EXPECT_EQ(from_vector<int32_t>({1, 2, 3, 4}, {2, 2}).shape(), (Shape{2, 2}));
  EXPECT_THROW(from_vector<int32_t>({1, 2, 3}, {2, 2}), ShapeError);
}

TEST(Tensor, ToSameDeviceAndDTypeShares) {
  const Tensor a = zeros({3});
  EXPECT_TRUE(a.to(Device::cpu()).storage().is_same(a.storage()));
  EXPECT_TRUE(a.to(DType::Float32).storage().is_same(a.storage()));
}

TEST(Tensor, UndefinedTensorThrows) {
  const Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_THROW(t.shape(), ValueError);
}

class TensorGpu : public test::GpuTest {};

TEST_F(TensorGpu, RoundTripKeepsValuesInEveryDType) {
  for (DType dtype : kAllDTypes) {
    const Tensor host = arange(-5.0, 7.0, 1.0).view({3, 4}).to(dtype);
    const Tensor device = host.to(Device::cuda());
    EXPECT_EQ(device.device(), Device::cuda());
    EXPECT_EQ(device.to(Device::cpu()).to_vector<double>(), host.to_vector<double>()) << dtype;
  }
}

TEST_F(TensorGpu, StridedCopiesAndCastsMatchCpu) {
  const Tensor host = arange(24.0).view({2, 3, 4});
  const Tensor device = host.to(Device::cuda());
  const Tensor cpu_result = host.permute({2, 0, 1}).to(DType::Float16).contiguous();
  const Tensor gpu_result = device.permute({2, 0, 1}).to(DType::Float16).contiguous();
  EXPECT_EQ(gpu_result.to_vector<float>(), cpu_result.to_vector<float>());
  const Tensor target = zeros({4, 3}, {.device = Device::cuda()});
  target.t().copy_(host.select(0, 1));  // host strided source into device strided destination
  EXPECT_EQ(target.to_vector<float>(), host.select(0, 1).t().contiguous().to_vector<float>());
}

TEST_F(TensorGpu, FactoriesFillOnDevice) {
  EXPECT_EQ(full({5}, 2.5, {.device = Device::cuda()}).to_vector<float>(), std::vector<float>(5, 2.5f));
  EXPECT_EQ(arange(0.0, 1.0, 0.25, {.dtype = DType::Float64, .device = Device::cuda()}).to_vector<double>(),
            (std::vector<double>{0, 0.25, 0.5, 0.75}));
  EXPECT_EQ(full({}, 4.0, {.device = Device::cuda()}).item(), 4.0);
}

}  // namespace
}  // namespace minidl
