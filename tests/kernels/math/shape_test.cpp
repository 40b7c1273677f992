// The index maps of kernels/math/shape.h: index_select positions against nested
// loops, and pad's backward candidates as the exact inverse of its forward map.
#include "kernels/math/shape.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace minidl::kernels {
namespace {

TEST(IndexSelectMath, SourceOffsetsMatchNestedLoops) {
  const IndexSelectGeometry g{2, 5, 3, 4};  // (2, 5, 3) selected to (2, 4, 3)
  const int64_t index[4] = {4, 0, 4, 2};
  int64_t linear = 0;
  for (int64_t o = 0; o < 2; ++o)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t i = 0; i < 3; ++i, ++linear) {
        EXPECT_EQ(index_select_position(g, linear), j);
        EXPECT_EQ(index_select_source(g, linear, index[j]), (o * 5 + index[j]) * 3 + i);
      }
}

TEST(PadMath, SourceIndexConstantAndReflect) {
  // size 4, 2 before: constant [- - 0 1 2 3 -], reflect [2 1 0 1 2 3 2].
  const std::vector<int64_t> constant = {-1, -1, 0, 1, 2, 3, -1}, reflect = {2, 1, 0, 1, 2, 3, 2};
  for (int64_t o = 0; o < 7; ++o) {
    EXPECT_EQ(pad_source_index(o, 2, 4, false), constant[static_cast<std::size_t>(o)]) << o;
    EXPECT_EQ(pad_source_index(o, 2, 4, true), reflect[static_cast<std::size_t>(o)]) << o;
  }
  EXPECT_EQ(pad_source_index(0, -1, 4, false), 1);  // negative padding crops
}

// Every output index o that reads input i must appear among pad_output_indices(i), and nothing else.
TEST(PadMath, OutputIndicesInvertTheForwardMap) {
  for (const bool reflect : {false, true})
    for (int64_t size = 1; size <= 5; ++size)
      for (int64_t before = reflect ? 0 : -2; before <= (reflect ? size - 1 : 3); ++before)
        for (int64_t after = reflect ? 0 : -2; after <= (reflect ? size - 1 : 3); ++after) {
          const int64_t out_size = size + before + after;
          if (out_size < 0) continue;
          for (int64_t i = 0; i < size; ++i) {
            std::vector<int64_t> want;
            for (int64_t o = 0; o < out_size; ++o)
              if (pad_source_index(o, before, size, reflect) == i) want.push_back(o);
            int64_t found[3];
            const int n = pad_output_indices(i, before, size, out_size, reflect, found);
            std::vector<int64_t> got(found, found + n);
            std::sort(got.begin(), got.end());
            EXPECT_EQ(got, want) << "reflect " << reflect << " size " << size << " pads " << before << ","
                                 << after << " i " << i;
          }
        }
}

TEST(PadMath, BackwardSumsOverEveryCopyInTwoDims) {
  // (2, 3) reflect-padded by 1 on every side to (4, 5); ones upstream: each input element
  // counts its copies, the product of its copies per dim.
  PadGeometry g;
  g.ndim = 2;
  g.reflect = true;
  const int64_t in[2] = {2, 3}, out[2] = {4, 5};
  for (int d = 0; d < 2; ++d) {
    g.in_sizes[d] = in[d];
    g.out_sizes[d] = out[d];
    g.before[d] = 1;
  }
  g.in_strides[0] = 3;
  g.in_strides[1] = 1;
  const auto ones = [](int64_t) { return 1.0; };
  // rows: each of the 2 rows is copied twice; columns 0, 1, 2 are copied 1, 3, 1 times.
  const std::vector<double> want = {2, 6, 2, 2, 6, 2};
  for (int64_t i = 0; i < 6; ++i)
    EXPECT_EQ(pad_backward_value<double>(g, i, ones), want[static_cast<std::size_t>(i)]);
  // With the output's own offsets as values, the sum names exactly the copies: element (0, 0)
  // is read at output (1, 1) and (3, 1); element (0, 1) at rows 1, 3 times columns 0, 2, 4.
  const auto offset = [](int64_t o) { return static_cast<double>(o); };
  EXPECT_EQ(pad_backward_value<double>(g, 0, offset), 6 + 16);
  EXPECT_EQ(pad_backward_value<double>(g, 1, offset), 5 + 7 + 9 + 15 + 17 + 19);
}

}  // namespace
}  // namespace minidl::kernels
