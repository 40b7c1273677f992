// The in-place element-wise ops of core/ops/elementwise.h (the optimizer and
// initializer forms): values computed by hand, broadcasting into self, strided self,
// mixed dtypes cast into self, the error on tensors that require grad while gradients
// are recorded; ElementwiseInPlaceGpu: the same update sequence on CUDA and the CPU.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "support/gpu_test.h"
#include "support/gradcheck.h"

namespace minidl {
namespace {

using test::random_leaf;

TEST(ElementwiseInPlace, InPlaceOpsUpdateSelf) {
  const Tensor p = from_vector<float>({1, 2, 3, 4}, {2, 2});
  const Tensor g = from_vector<float>({1, -1, 2, -2}, {2, 2});
  add_(p, g, 0.5);
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{1.5f, 1.5f, 4, 3}));
  add_(p, 1.0);
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{2.5f, 2.5f, 5, 4}));
  sub_(p, from_vector<float>({1, 2}), 2.0);  // broadcast over rows
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0.5f, -1.5f, 3, 0}));
  mul_(p, 2.0);
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{1, -3, 6, 0}));
  mul_(p, g);
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{1, 3, 12, 0}));
  div_(p, 4.0);
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0.25f, 0.75f, 3, 0}));
  div_(p, from_vector<float>({0.5f, 0.25f}));
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0.5f, 3, 6, 0}));
  addcmul_(p, g, g, 0.5);  // + 0.5 * g^2
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{1, 3.5f, 8, 2}));
  addcdiv_(p, g, from_vector<float>({2, 4, 8, 16}, {2, 2}), -2.0);
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0, 4, 7.5f, 2.25f}));
  sqrt_(p);
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0, 2, std::sqrt(7.5f), 1.5f}));
  clamp_(p, 0.5, 1.75);
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0.5f, 1.75f, 1.75f, 1.5f}));
  lerp_(p, ones({2, 2}), 0.25);
  EXPECT_EQ(p.to_vector<float>(), (std::vector<float>{0.625f, 1.5625f, 1.5625f, 1.375f}));
}

TEST(ElementwiseInPlace, InPlaceOnNonContiguousAndMixedDtypes) {
  const Tensor base = zeros({3, 2});
  const Tensor view = base.t();  // (2, 3), strides (1, 2)
  add_(view, arange(3.0, {.dtype = DType::Float64}));
  EXPECT_EQ(base.to_vector<float>(), (std::vector<float>{0, 0, 1, 1, 2, 2}));
  const Tensor half = ones({2}, {.dtype = DType::Float16});
  add_(half, from_vector<float>({0.5f, 2.0f}));  // computed in float32, stored as float16
  EXPECT_EQ(half.dtype(), DType::Float16);
  EXPECT_EQ(half.to_vector<float>(), (std::vector<float>{1.5f, 3.0f}));
  EXPECT_THROW(add_(from_vector<int32_t>({1}), from_vector<float>({0.5f})), DTypeError);
  const Tensor small = zeros({3});
  EXPECT_THROW(add_(small, zeros({2, 3})), ShapeError);
}

TEST(ElementwiseInPlace, InPlaceOnALeafRequiringGradNeedsNoGradGuard) {
  const Tensor w = random_leaf({3}, 41);
  try {
    add_(w, 1.0);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("add_"), std::string::npos) << msg;
    EXPECT_NE(msg.find("leaf"), std::string::npos) << msg;
    EXPECT_NE(msg.find("NoGradGuard"), std::string::npos) << msg;
  }
  EXPECT_THROW(mul_(w * 2.0, 3.0), ValueError);  // a non-leaf in the graph, too
  autograd::NoGradGuard no_grad;
  const std::vector<double> before = w.to_vector<double>();
  add_(w, 1.0);
  EXPECT_DOUBLE_EQ(w.to_vector<double>()[0], before[0] + 1.0);
}

class ElementwiseInPlaceGpu : public test::GpuTest {};

TEST_F(ElementwiseInPlaceGpu, UpdateSequenceMatchesTheCpu) {
  auto update = [](const Tensor& p, const Tensor& g) {
    autograd::NoGradGuard no_grad;
    add_(p, g, -0.1);
    addcmul_(p, g, g, 0.5);
    addcdiv_(p, g, add(abs(g), 1.0), -0.25);
    lerp_(p, g, 0.3);
    clamp_(p, -0.5, 0.5);
    add_(p, 1.0);
    sqrt_(p);
    mul_(p, 1.5);
    return p;
  };
  const Tensor pc = random_leaf({4, 5}, 11).detach().to(DType::Float32);
  const Tensor gc = random_leaf({4, 5}, 12).detach().to(DType::Float32);
  const Tensor pg = pc.to(Device::cuda()), gg = gc.to(Device::cuda());
  const std::vector<float> on_gpu = update(pg, gg).to_vector<float>(),
                           on_cpu = update(pc, gc).to_vector<float>();
  for (std::size_t i = 0; i < on_cpu.size(); ++i) EXPECT_NEAR(on_gpu[i], on_cpu[i], 1e-6) << i;
}

}  // namespace
}  // namespace minidl
