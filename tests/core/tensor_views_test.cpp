// Views share storage and address the right elements: each view is checked
// against index arithmetic done by hand on arange data.
#include <gtest/gtest.h>

#include "core/tensor.h"

namespace minidl {
namespace {

Tensor iota(const Shape& shape) { return arange(static_cast<double>(shape_numel(shape))).view(shape); }

std::vector<float> values(const Tensor& t) { return t.to_vector<float>(); }

TEST(TensorViews, ViewSharesStorageAndInfersMinusOne) {
  const Tensor a = iota({2, 6});
  const Tensor b = a.view({3, -1});
  EXPECT_EQ(b.shape(), (Shape{3, 4}));
  EXPECT_TRUE(b.storage().is_same(a.storage()));
  b.fill_(7);
  EXPECT_EQ(a.to_vector<float>()[11], 7.f);
}

TEST(TensorViews, ViewOfTransposedNeedsReshape) {
  const Tensor a = iota({2, 3}).t();
  EXPECT_FALSE(a.is_contiguous());
  EXPECT_THROW(a.view({6}), ShapeError);
  const Tensor r = a.reshape({6});
  EXPECT_EQ(values(r), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  EXPECT_FALSE(r.storage().is_same(a.storage()));
}

TEST(TensorViews, ViewSplitsAContiguousRunOfAPermutedTensor) {
  const Tensor a = iota({2, 3, 4}).permute({1, 0, 2});  // (3,2,4): last dim still contiguous
  const Tensor v = a.view({3, 2, 2, 2});
  EXPECT_TRUE(v.storage().is_same(a.storage()));
  EXPECT_EQ(values(v), values(a));
}

TEST(TensorViews, BadViewNamesBothShapes) {
  try {
    (void)iota({2, 3}).view({4, 2});
    FAIL();
  } catch (const ShapeError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("[4, 2]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
  }
}

TEST(TensorViews, SliceWithStepAndNegativeBounds) {
  const Tensor a = iota({10});
  EXPECT_EQ(values(a.slice(0, 1, 8, 3)), (std::vector<float>{1, 4, 7}));
  EXPECT_EQ(values(a.slice(0, -3, 100)), (std::vector<float>{7, 8, 9}));
  EXPECT_EQ(a.slice(0, 5, 2).numel(), 0);
  const Tensor m = iota({3, 4});
  EXPECT_EQ(values(m.slice(1, 1, 3)), (std::vector<float>{1, 2, 5, 6, 9, 10}));
}

TEST(TensorViews, NarrowAndSelect) {
  const Tensor m = iota({3, 4});
  EXPECT_EQ(values(m.narrow(0, 1, 2)), (std::vector<float>{4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(values(m.select(1, -1)), (std::vector<float>{3, 7, 11}));
  EXPECT_EQ(m.select(0, 2).shape(), (Shape{4}));
  EXPECT_THROW(m.narrow(0, 2, 2), ShapeError);
  EXPECT_THROW(m.select(0, 3), ShapeError);
}

TEST(TensorViews, TransposeAndPermuteMatchIndexArithmetic) {
  const Tensor a = iota({2, 3, 4});
  const Tensor p = a.permute({2, 0, 1});
  ASSERT_EQ(p.shape(), (Shape{4, 2, 3}));
  const auto pv = values(p);
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(pv[(k * 2 + i) * 3 + j], static_cast<float>(i * 12 + j * 4 + k));
  EXPECT_EQ(values(a.transpose(0, 2)), values(a.permute({2, 1, 0})));
  EXPECT_THROW(a.permute({0, 0, 1}), ValueError);
  EXPECT_THROW(a.permute({0, 1}), ShapeError);
}

TEST(TensorViews, ExpandUsesZeroStrides) {
  const Tensor a = iota({3, 1});
  const Tensor e = a.expand({2, 3, 4});
  EXPECT_EQ(e.strides(), (Shape{0, 1, 0}));
  const auto ev = values(e);
  for (int64_t i = 0; i < 24; ++i) EXPECT_EQ(ev[i], static_cast<float>((i / 4) % 3));
  EXPECT_EQ(a.expand({-1, 5}).shape(), (Shape{3, 5}));
  EXPECT_THROW(a.expand({2, 4}), ShapeError);
}

TEST(TensorViews, SqueezeUnsqueezeFlatten) {
  const Tensor a = iota({1, 3, 1, 2});
  EXPECT_EQ(a.squeeze().shape(), (Shape{3, 2}));
  EXPECT_EQ(a.squeeze(2).shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(a.squeeze(1).shape(), a.shape());
  EXPECT_EQ(a.unsqueeze(-1).shape(), (Shape{1, 3, 1, 2, 1}));
  EXPECT_EQ(a.unsqueeze(0).shape(), (Shape{1, 1, 3, 1, 2}));
  EXPECT_EQ(a.flatten().shape(), (Shape{6}));
  EXPECT_EQ(a.flatten(1).shape(), (Shape{1, 6}));
  EXPECT_EQ(iota({2, 3, 4}).flatten(0, 1).shape(), (Shape{6, 4}));
}

TEST(TensorViews, ScalarTensor) {
  const Tensor s = full({}, 3.5);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.item(), 3.5);
  EXPECT_EQ(s.unsqueeze(0).shape(), (Shape{1}));
  EXPECT_EQ(s.reshape({1, 1}).shape(), (Shape{1, 1}));
}

TEST(TensorViews, DimOutOfRangeNamesTheOp) {
  try {
    (void)iota({2, 3}).transpose(0, 2);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("transpose"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace minidl
