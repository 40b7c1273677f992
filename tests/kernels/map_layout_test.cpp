// MapLayout: broadcast strides and dim merging, checked against offsets computed by
// hand (nested loops over the output's index) for contiguous, broadcast and
// transposed operands.
#include "kernels/map_layout.h"

#include <gtest/gtest.h>

namespace minidl::kernels {
namespace {

// Offset of output element `linear` in operand t broadcast to `shape`, by hand.
int64_t reference_offset(const Tensor& t, const Shape& shape, int64_t linear) {
  int64_t offset = 0;
  const int64_t lead = static_cast<int64_t>(shape.size()) - t.dim();
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    const int64_t index = linear % shape[d];
    linear /= shape[d];
    if (d >= lead && t.shape()[d - lead] != 1) offset += index * t.strides()[d - lead];
  }
  return offset;
}

void expect_offsets(const Tensor& out, const std::vector<Tensor>& inputs) {
  const MapLayout layout = make_map_layout(out, inputs);
  ASSERT_EQ(layout.numel, out.numel());
  for (int64_t i = 0; i < out.numel(); ++i) {
    int64_t off[3];
    if (layout.contiguous) {
      off[0] = off[1] = off[2] = i;
    } else {
      layout.offsets<3>(i, off);
    }
    EXPECT_EQ(off[0], reference_offset(out, out.shape(), i)) << i;
    for (std::size_t k = 0; k < inputs.size(); ++k)
      EXPECT_EQ(off[k + 1], reference_offset(inputs[k], out.shape(), i))
          << "operand " << k + 1 << " at " << i;
  }
}

TEST(MapLayout, ContiguousSameShapeBecomesFlat) {
  const Tensor out = empty({2, 3, 4});
  const MapLayout layout = make_map_layout(out, {empty({2, 3, 4}), empty({2, 3, 4})});
  EXPECT_TRUE(layout.contiguous);
  EXPECT_EQ(layout.ndim, 1);
  EXPECT_EQ(layout.sizes[0], 24);
}

TEST(MapLayout, BroadcastRowKeepsTwoDimsWithStrideZero) {
  const Tensor out = empty({5, 4});
  const MapLayout layout = make_map_layout(out, {empty({5, 4}), empty({4})});
  EXPECT_FALSE(layout.contiguous);
  ASSERT_EQ(layout.ndim, 2);
  EXPECT_EQ(layout.strides[2][0], 0);
  EXPECT_EQ(layout.strides[2][1], 1);
  expect_offsets(out, {empty({5, 4}), empty({4})});
}

TEST(MapLayout, BroadcastBothWays) {
  expect_offsets(empty({3, 2, 4}), {empty({3, 1, 4}), empty({2, 4})});
  expect_offsets(empty({2, 3}), {empty({2, 1}), empty({1, 3})});
  expect_offsets(empty({4}), {empty({}), empty({4})});
}

TEST(MapLayout, TransposedAndSlicedOperands) {
  const Tensor t = empty({4, 3}).t();                // (3, 4), strides (1, 3)
  const Tensor s = empty({3, 8}).slice(1, 0, 8, 2);  // (3, 4), strides (8, 2)
  expect_offsets(empty({3, 4}), {t, s});
  expect_offsets(empty({2, 3, 4}), {empty({2, 4, 3}).transpose(1, 2), empty({3, 1})});
}

TEST(MapLayout, SizeOneDimsAreDroppedAndRunsMerged) {
  const Tensor out = empty({2, 1, 3, 4});
  const MapLayout layout = make_map_layout(out, {empty({2, 1, 3, 4}), empty({1, 1, 3, 4})});
  // (2, 12) after dropping the 1 and merging 3x4; the second input broadcasts over the 2.
  ASSERT_EQ(layout.ndim, 2);
  EXPECT_EQ(layout.sizes[0], 2);
  EXPECT_EQ(layout.sizes[1], 12);
  EXPECT_EQ(layout.strides[2][0], 0);
}

TEST(MapLayout, ZeroDimTensorIsContiguous) {
  const MapLayout layout = make_map_layout(empty({}), {empty({})});
  EXPECT_TRUE(layout.contiguous);
  EXPECT_EQ(layout.numel, 1);
}

TEST(MapLayout, VectorWidthNeedsContiguityAndAlignment) {
  alignas(64) static float buffer[64];
  alignas(64) static bool flags[64];
  MapLayout flat = make_map_layout(empty({64}), {empty({64})});
  ASSERT_TRUE(flat.contiguous);
  EXPECT_EQ(map_vector_width(flat, {buffer, buffer + 8}, buffer + 16, 4, 4), 4);
  EXPECT_EQ(map_vector_width(flat, {buffer}, flags + 4, 4, 1), 4);   // 4 bools: 4-byte aligned out
  EXPECT_EQ(map_vector_width(flat, {buffer}, flags + 2, 4, 1), 1);   // misaligned out
  EXPECT_EQ(map_vector_width(flat, {buffer + 1}, buffer, 4, 4), 1);  // misaligned input
  EXPECT_EQ(map_vector_width(flat, {buffer}, buffer, 2, 2), 8);      // 16-bit floats
  EXPECT_EQ(map_vector_width(flat, {buffer}, buffer, 8, 8), 2);      // doubles
  const MapLayout strided = make_map_layout(empty({8, 8}), {empty({8, 8}).t()});
  EXPECT_EQ(map_vector_width(strided, {buffer}, buffer, 4, 4), 1);
  const MapLayout tiny = make_map_layout(empty({3}), {empty({3})});
  EXPECT_EQ(map_vector_width(tiny, {buffer}, buffer, 4, 4), 1);  // fewer elements than a vector
}

}  // namespace
}  // namespace minidl::kernels
