// The views and copies of Tensor (core/tensor_views.cpp, core/tensor.cpp) as
// differentiable ops: float64 gradcheck of each (a view of a leaf, then a weighted
// sum), gradient dtype/device after to(), and nothing recorded without grad.
#include <gtest/gtest.h>

#include <vector>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/reduction.h"
#include "core/tensor.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using test::gradcheck;
using test::random_leaf;
using ViewFn = std::function<Tensor(const Tensor&)>;

struct ViewCase {
  const char* name;
  Shape input;
  ViewFn fn;
};

std::vector<ViewCase> view_cases() {
  return {
      {"view",
       {2, 3, 4},
       [](const Tensor& x) {
         return x.view({6, -1});
       }},
      {"reshape",
       {2, 3, 4},
       [](const Tensor& x) {
         return x.reshape({4, 6});
       }},
      {"reshape_copy", {3, 4}, [](const Tensor& x) { return x.t().reshape({12}); }},  // needs a copy
      {"flatten", {2, 3, 4}, [](const Tensor& x) { return x.flatten(1); }},
      {"slice", {5, 4}, [](const Tensor& x) { return x.slice(0, 1, 5, 2); }},
      {"slice_negative", {6}, [](const Tensor& x) { return x.slice(0, -4, -1); }},
      {"narrow", {3, 5}, [](const Tensor& x) { return x.narrow(1, 1, 3); }},
      {"select", {3, 4}, [](const Tensor& x) { return x.select(1, -2); }},
      {"transpose", {2, 3, 4}, [](const Tensor& x) { return x.transpose(0, 2); }},
      {"t", {3, 4}, [](const Tensor& x) { return x.t(); }},
      {"permute",
       {2, 3, 4},
       [](const Tensor& x) {
         return x.permute({1, 2, 0});
       }},
      {"expand",
       {3, 1},
       [](const Tensor& x) {
         return x.expand({2, 3, 4});
       }},
      {"expand_keep",
       {1, 4},
       [](const Tensor& x) {
         return x.expand({3, -1});
       }},
      {"squeeze", {1, 3, 1, 2}, [](const Tensor& x) { return x.squeeze(); }},
      {"squeeze_dim", {3, 1, 2}, [](const Tensor& x) { return x.squeeze(1); }},
      {"unsqueeze", {3, 2}, [](const Tensor& x) { return x.unsqueeze(1); }},
      {"clone", {3, 2}, [](const Tensor& x) { return x.clone(); }},
      {"contiguous", {3, 2}, [](const Tensor& x) { return x.t().contiguous(); }},
      {"chain",
       {4, 6},
       [](const Tensor& x) {
         return x.slice(1, 0, 6, 2).t().unsqueeze(0).expand({2, 3, 4});
       }},
  };
}

TEST(TensorViewsAutograd, GradcheckEveryView) {
  unsigned seed = 1;
  for (const ViewCase& c : view_cases()) {
    const Tensor x = random_leaf(c.input, seed++);
    EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, {x})) << c.name;
    // The same view taken of a non-contiguous leaf.
    if (c.input.size() == 2) {
      Tensor xt = random_leaf({c.input[1], c.input[0]}, seed++).detach().t();
      xt.requires_grad_(true);
      EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, {xt}))
          << c.name << " of t()";
    }
  }
}

TEST(TensorViewsAutograd, ViewsRecordTheirNames) {
  const Tensor x = random_leaf({2, 3}, 50);
  EXPECT_EQ(x.view({6}).grad_fn_name(), "view");
  EXPECT_EQ(x.slice(1, 0, 2).grad_fn_name(), "slice");
  EXPECT_EQ(x.select(0, 1).grad_fn_name(), "select");
  EXPECT_EQ(x.t().grad_fn_name(), "transpose");
  EXPECT_EQ(x.expand({4, 2, 3}).grad_fn_name(), "expand");
  EXPECT_EQ(x.clone().grad_fn_name(), "clone");
  EXPECT_EQ(x.to(DType::Float32).grad_fn_name(), "to");
  // Views still share storage when recorded.
  EXPECT_TRUE(x.t().storage().is_same(x.storage()));
}

TEST(TensorViewsAutograd, SliceGradientLandsInTheSlicedRegion) {
  const Tensor x = random_leaf({2, 5}, 51);
  sum(x.slice(1, 1, 5, 2) * 3.0).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 3, 0, 3, 0, 0, 3, 0, 3, 0}));
  x.set_grad({});
  sum(x.select(0, 1)).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 0, 0, 0, 0, 1, 1, 1, 1, 1}));
}

TEST(TensorViewsAutograd, ExpandGradientIsSummed) {
  const Tensor x = random_leaf({3, 1}, 52);
  sum(x.expand({2, 3, 4})).backward();
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{8, 8, 8}));
}

TEST(TensorViewsAutograd, DtypeCastsSendTheGradientBackInTheInputDtype) {
  const Tensor x = random_leaf({3}, 53);
  const Tensor y = x.to(DType::Float32);
  EXPECT_TRUE(y.requires_grad());
  sum(y * from_vector<float>({1, 2, 3})).backward();
  EXPECT_EQ(x.grad().dtype(), DType::Float64);
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{1, 2, 3}));
  // A cast to an integer dtype ends the graph, as in PyTorch.
  EXPECT_FALSE(x.to(DType::Int64).requires_grad());
  EXPECT_TRUE(x.to(DType::Float64).is_same(x));
  EXPECT_TRUE(x.to(Device::cpu()).is_same(x));
}

TEST(TensorViewsAutograd, NothingRecordedWithoutGradOrUnderNoGradGuard) {
  const Tensor x = ones({2, 3});
  EXPECT_TRUE(x.t().is_leaf());
  EXPECT_FALSE(x.reshape({6}).requires_grad());
  const Tensor w = random_leaf({2, 3}, 54);
  autograd::NoGradGuard no_grad;
  EXPECT_FALSE(w.t().requires_grad());
  EXPECT_FALSE(w.clone().requires_grad());
  EXPECT_FALSE(w.expand({2, 2, 3}).requires_grad());
}

TEST(TensorViewsAutograd, ExistingViewBehaviourIsKept) {
  const Tensor x = random_leaf({2, 3}, 55);
  EXPECT_TRUE(x.squeeze(0).is_same(x));  // no size-1 dim: the same tensor, no node
  EXPECT_TRUE(x.contiguous().is_same(x));
  EXPECT_THROW(x.t().view({6}), ShapeError);
  EXPECT_EQ(x.t().reshape({6}).to_vector<double>().size(), 6u);
}

class TensorViewsAutogradGpu : public test::GpuTest {};

TEST_F(TensorViewsAutogradGpu, DeviceMovesSendTheGradientBack) {
  const Tensor x = random_leaf({4, 3}, 56);
  const Tensor y = x.to(Device::cuda());
  EXPECT_EQ(y.grad_fn_name(), "to");
  sum(y.t().slice(0, 1, 3) * 2.0).backward();
  EXPECT_TRUE(x.grad().device().is_cpu());
  const std::vector<double> g = x.grad().to_vector<double>();
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(g[i * 3 + j], j >= 1 ? 2.0 : 0.0);
}

}  // namespace
}  // namespace minidl
