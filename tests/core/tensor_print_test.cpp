#include <gtest/gtest.h>

#include "core/tensor.h"

namespace minidl {
namespace {

TEST(TensorPrint, SmallFloatMatrix) {
  EXPECT_EQ(arange(4.0).view({2, 2}).str(),
            "tensor([[0.0000, 1.0000],\n        [2.0000, 3.0000]], dtype=float32, device=cpu)");
}

TEST(TensorPrint, IntegersBoolsAndScalars) {
  EXPECT_EQ(arange(3.0, {.dtype = DType::Int64}).str(), "tensor([0, 1, 2], dtype=int64, device=cpu)");
  EXPECT_EQ(from_vector<bool>({true, false}).str(), "tensor([True, False], dtype=bool, device=cpu)");
  EXPECT_EQ(full({}, 2.5).str(), "tensor(2.5000, dtype=float32, device=cpu)");
}

TEST(TensorPrint, LargeTensorsAreSummarized) {
  const std::string text = arange(5000.0).str();
  EXPECT_NE(text.find("0.0000, 1.0000, 2.0000, ..., 4997.0000, 4998.0000, 4999.0000"), std::string::npos)
      << text;
  EXPECT_LT(text.size(), 200u);
}

TEST(TensorPrint, TinyValuesUseScientific) {
  EXPECT_NE(full({1}, 1e-6).str().find("e-06"), std::string::npos);
}

}  // namespace
}  // namespace minidl
