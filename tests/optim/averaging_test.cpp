// EMA/Polyak averaging against the recurrence computed on the host in double,
// the scoped swap of averaged weights, and global-norm clipping against its formula.
#include "optim/averaging.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace minidl::optim {
namespace {

class Pair : public nn::Module {
 public:
  Pair() : Module("Pair") {
    weight = register_parameter("weight", from_vector<float>({1.f, -2.f, 3.f}));
    count = register_buffer("count", zeros({1}));
  }
  Tensor weight, count;
};

TEST(ExponentialMovingAverage, FollowsTheRecurrence) {
  Pair model;
  ExponentialMovingAverage ema(model, {.decay = 0.9});
  std::vector<double> expected = {1, -2, 3};
  for (int step = 1; step <= 5; ++step) {
    const std::vector<float> live = {static_cast<float>(step), 0.5f * step, -1.f};
    model.weight.detach().copy_(from_vector<float>(live));
    model.count.fill_(step);
    ema.update();
    for (std::size_t i = 0; i < 3; ++i) expected[i] = 0.9 * expected[i] + 0.1 * live[i];
  }
  const auto averaged = ema.averaged()[0].to_vector<float>();
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(averaged[i], expected[i], 1e-5);
  EXPECT_EQ(ema.num_updates(), 5);
  {
    AveragedWeightsGuard guard(ema);
    const auto in_model = model.weight.to_vector<float>();
    for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(in_model[i], expected[i], 1e-5);
    EXPECT_EQ(model.count.item(), 5.0);  // buffers copied, not averaged, by default
  }
  EXPECT_EQ(model.weight.to_vector<float>(), (std::vector<float>{5.f, 2.5f, -1.f}));
}

TEST(ExponentialMovingAverage, WarmupUsesTheNumUpdatesRule) {
  Pair model;
  ExponentialMovingAverage ema(model, {.decay = 0.5, .warmup = true});
  std::vector<double> expected = {1, -2, 3};
  // (1 + t) / (10 + t) is 0.1, 2/11, 3/12, ... and reaches the 0.5 cap at t = 8.
  for (int t = 0; t < 12; ++t) {
    const double decay = std::min(0.5, (1.0 + t) / (10.0 + t));
    EXPECT_DOUBLE_EQ(ema.current_decay(), decay) << "update " << t;
    const std::vector<float> live = {static_cast<float>(t), -0.25f * t, 2.f};
    model.weight.detach().copy_(from_vector<float>(live));
    ema.update();
    for (std::size_t i = 0; i < 3; ++i) expected[i] = decay * expected[i] + (1 - decay) * live[i];
  }
  EXPECT_DOUBLE_EQ(ema.current_decay(), 0.5);
  const auto averaged = ema.averaged()[0].to_vector<float>();
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(averaged[i], expected[i], 1e-5);
}

TEST(ExponentialMovingAverage, CanAverageBuffers) {
  Pair model;
  ExponentialMovingAverage ema(model, {.decay = 0.5, .average_buffers = true});
  model.count.fill_(4);
  ema.update();
  AveragedWeightsGuard guard(ema);
  EXPECT_DOUBLE_EQ(model.count.item(), 2.0);
}

TEST(ExponentialMovingAverage, RejectsBadDecayAndUnbalancedSwaps) {
  Pair model;
  EXPECT_THROW(ExponentialMovingAverage(model, {.decay = 1.5}), ValueError);
  ExponentialMovingAverage ema(model);
  EXPECT_THROW(ema.restore(), ValueError);
  ema.copy_to();
  EXPECT_THROW(ema.copy_to(), ValueError);
  ema.restore();
}

TEST(ClipGradNorm, ScalesToMaxNormAndReturnsTheNorm) {
  const Tensor a = zeros({2});
  const Tensor b = zeros({2, 2});
  a.set_grad(from_vector<float>({3.f, 0.f}));
  b.set_grad(from_vector<float>({0.f, 4.f, 0.f, 12.f}, {2, 2}));
  const double norm = clip_grad_norm_({a, b}, 6.5);
  EXPECT_NEAR(norm, 13.0, 1e-5);
  const double c = 6.5 / (13.0 + 1e-6);
  EXPECT_NEAR(a.grad().to_vector<float>()[0], 3 * c, 1e-5);
  EXPECT_NEAR(b.grad().to_vector<float>()[3], 12 * c, 1e-5);
}

TEST(ClipGradNorm, SmallGradientsAreUntouched) {
  const Tensor a = zeros({3});
  a.set_grad(from_vector<float>({0.1f, 0.2f, -0.2f}));
  EXPECT_NEAR(clip_grad_norm_({a}, 1.0), 0.3, 1e-6);
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{0.1f, 0.2f, -0.2f}));
  EXPECT_EQ(clip_grad_norm_({zeros({1})}, 1.0), 0.0);  // no gradients at all
}

}  // namespace
}  // namespace minidl::optim
