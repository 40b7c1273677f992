// Host-side GEMM planning of kernels/linalg.cpp: which strided layouts BLAS can read
// without a copy, and how batch dims merge into one strided batch.
#include <gtest/gtest.h>

#include "kernels/linalg.h"

#include <vector>

namespace minidl::kernels {
namespace {

TEST(MatrixLayout, RowMajorIsReadAsIs) {
  const MatrixLayout l = matrix_layout(3, 4, 4, 1);
  EXPECT_TRUE(l.readable);
  EXPECT_FALSE(l.trans);
  EXPECT_EQ(l.ld, 4);
}

TEST(MatrixLayout, PaddedRowsKeepTheirStride) {
  const MatrixLayout l = matrix_layout(3, 4, 10, 1);  // a column slice of a wider matrix
  EXPECT_TRUE(l.readable);
  EXPECT_EQ(l.ld, 10);
}

TEST(MatrixLayout, ColumnMajorIsATranspose) {
  const MatrixLayout l = matrix_layout(3, 4, 1, 3);  // t() of a contiguous 4 x 3
  EXPECT_TRUE(l.readable);
  EXPECT_TRUE(l.trans);
  EXPECT_EQ(l.ld, 3);
}

TEST(MatrixLayout, SizeOneDimsIgnoreTheirStride) {
  const MatrixLayout row = matrix_layout(1, 5, 0, 1);
  EXPECT_TRUE(row.readable);
  EXPECT_EQ(row.ld, 5);
  const MatrixLayout col = matrix_layout(5, 1, 7, 0);
  EXPECT_TRUE(col.readable);
  EXPECT_FALSE(col.trans);
  EXPECT_EQ(col.ld, 7);
}

TEST(MatrixLayout, OverlappingOrScatteredNeedACopy) {
  EXPECT_FALSE(matrix_layout(3, 4, 0, 1).readable);  // rows broadcast (stride 0)
  EXPECT_FALSE(matrix_layout(3, 4, 8, 2).readable);  // every other column
  EXPECT_FALSE(matrix_layout(3, 4, 2, 1).readable);  // rows overlap
}

TEST(MergeBatchDims, ContiguousDimsBecomeOne) {
  // a, b, c all contiguous [2, 3, m, n]-style: strides 3*s, s.
  const auto dims = merge_batch_dims({2, 3}, {36, 12}, {60, 20}, {15, 5});
  ASSERT_EQ(dims.size(), 1u);
  EXPECT_EQ(dims[0].size, 6);
  EXPECT_EQ(dims[0].stride_a, 12);
  EXPECT_EQ(dims[0].stride_b, 20);
  EXPECT_EQ(dims[0].stride_c, 5);
}

TEST(MergeBatchDims, BroadcastDimsStaySeparate) {
  // b broadcast along the first dim only: [s, 0] cannot walk as one stride.
  const auto dims = merge_batch_dims({2, 3}, {36, 12}, {0, 20}, {15, 5});
  ASSERT_EQ(dims.size(), 2u);
  EXPECT_EQ(dims[0].size, 2);
  EXPECT_EQ(dims[1].size, 3);
  EXPECT_EQ(dims[1].stride_b, 20);
}

TEST(MergeBatchDims, SizeOneDimsVanishAndZeroStridesMerge) {
  const auto dims = merge_batch_dims({1, 4, 1, 5}, {99, 5, 7, 1}, {0, 0, 0, 0}, {99, 5, 3, 1});
  ASSERT_EQ(dims.size(), 1u);
  EXPECT_EQ(dims[0].size, 20);
  EXPECT_EQ(dims[0].stride_b, 0);
}

TEST(MergeBatchDims, NoBatch) { EXPECT_TRUE(merge_batch_dims({}, {}, {}, {}).empty()); }

TEST(MatmulInto, OutputBatchMustBeTheOperandsBroadcast) {
  EXPECT_THROW(matmul_into(zeros({3, 2, 2}), zeros({2, 2}), zeros({4, 2, 2})), ShapeError);
  EXPECT_THROW(matmul_into(zeros({2, 3}), zeros({3, 4}), zeros({2, 5})), ShapeError);
  const Tensor out = zeros({2, 2, 2});
  matmul_into(ones({2, 2}), ones({2, 2, 2}), out);  // a shared left operand
  EXPECT_EQ(out.to_vector<float>(), std::vector<float>(8, 2.0f));
  EXPECT_THROW(matmul_into(ones({2, 2}), ones({2, 2}), zeros({2, 2}).t()),
               ValueError);  // output not contiguous
}

TEST(MatmulOutputShape, TorchRules) {
  EXPECT_EQ(matmul_output_shape({3}, {3}), Shape{});
  EXPECT_EQ(matmul_output_shape({2, 3}, {3}), Shape({2}));
  EXPECT_EQ(matmul_output_shape({3}, {3, 4}), Shape({4}));
  EXPECT_EQ(matmul_output_shape({5, 1, 2, 3}, {4, 3, 6}), Shape({5, 4, 2, 6}));
  EXPECT_EQ(matmul_output_shape({7, 2, 3}, {3}), Shape({7, 2}));
}

TEST(MatmulOutputShape, ErrorsNameBothShapes) {
  try {
    matmul_output_shape({2, 3}, {4, 5});
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[4, 5]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(matmul_output_shape({2, 2, 3}, {3, 3, 4}), ShapeError);
  EXPECT_THROW(matmul_output_shape({}, {3}), ShapeError);
}

}  // namespace
}  // namespace minidl::kernels
