// CrossEntropyLoss and MSELoss against hand computations: log-softmax by hand, label
// smoothing (1-ε)(-log p_y) + ε·mean_c(-log p_c), the three reductions; errors; CUDA vs CPU.
#include "layers/loss.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/random.h"
#include "support/gpu_test.h"

namespace minidl::nn {
namespace {

// Per-sample smoothed cross-entropy of row-major logits (N, C).
std::vector<double> reference(const std::vector<double>& logits, const std::vector<int64_t>& targets,
                              int64_t C, double eps) {
  std::vector<double> out;
  for (std::size_t n = 0; n < targets.size(); ++n) {
    double total = 0;
    for (int64_t c = 0; c < C; ++c) total += std::exp(logits[n * C + c]);
    const double log_z = std::log(total);
    double mean_nll = 0;
    for (int64_t c = 0; c < C; ++c) mean_nll += (log_z - logits[n * C + c]) / static_cast<double>(C);
    out.push_back((1 - eps) * (log_z - logits[n * C + targets[n]]) + eps * mean_nll);
  }
  return out;
}

TEST(CrossEntropyLoss, MatchesHandComputation) {
  const Tensor logits = randn({5, 4}, {.dtype = DType::Float64});
  const std::vector<int64_t> t = {0, 3, 1, 1, 2};
  const Tensor targets = from_vector<int64_t>(t);
  for (double eps : {0.0, 0.1, 0.5}) {
    const auto per_sample = reference(logits.to_vector<double>(), t, 4, eps);
    double total = 0;
    for (double v : per_sample) total += v;
    EXPECT_NEAR(CrossEntropyLoss({.label_smoothing = eps})(logits, targets).item(), total / 5, 1e-12) << eps;
    EXPECT_NEAR(
        CrossEntropyLoss({.label_smoothing = eps, .reduction = Reduction::Sum})(logits, targets).item(),
        total, 1e-12);
    const auto none =
        CrossEntropyLoss({.label_smoothing = eps, .reduction = Reduction::None})(logits, targets)
            .to_vector<double>();
    ASSERT_EQ(none.size(), 5u);
    for (int n = 0; n < 5; ++n) EXPECT_NEAR(none[n], per_sample[n], 1e-12);
  }
}

TEST(CrossEntropyLoss, GradientIsSoftmaxMinusSmoothedTarget) {
  const Tensor logits = randn({3, 4}, {.dtype = DType::Float64});
  logits.requires_grad_(true);
  const Tensor targets = from_vector<int64_t>({2, 0, 3});
  CrossEntropyLoss({.label_smoothing = 0.2})(logits, targets).backward();
  const auto x = logits.to_vector<double>(), g = logits.grad().to_vector<double>();
  for (int n = 0; n < 3; ++n) {
    double z = 0;
    for (int c = 0; c < 4; ++c) z += std::exp(x[n * 4 + c]);
    const int64_t y = n == 0 ? 2 : n == 1 ? 0 : 3;
    for (int c = 0; c < 4; ++c) {
      const double target = 0.8 * (c == y) + 0.2 / 4;
      EXPECT_NEAR(g[n * 4 + c], (std::exp(x[n * 4 + c]) / z - target) / 3, 1e-12);
    }
  }
}

TEST(CrossEntropyLoss, RejectsBadSmoothing) {
  EXPECT_THROW(CrossEntropyLoss({.label_smoothing = 1.5}), ValueError);
}

TEST(MSELoss, Reductions) {
  const Tensor a = from_vector<double>({1, 2, 3}), b = from_vector<double>({0, 4, 3});
  EXPECT_NEAR(MSELoss()(a, b).item(), 5.0 / 3, 1e-12);
  EXPECT_NEAR(MSELoss(Reduction::Sum)(a, b).item(), 5.0, 1e-12);
  EXPECT_EQ(MSELoss(Reduction::None)(a, b).to_vector<double>(), (std::vector<double>{1, 4, 0}));
}

using LayersGpu = test::GpuTest;  // one fixture type: the suite spans the files of layers_tests

TEST_F(LayersGpu, CrossEntropyOnCudaMatchesCpu) {
  const Tensor logits = randn({16, 10});
  const Tensor targets = randint(0, 10, {16});
  CrossEntropyLoss loss({.label_smoothing = 0.1});
  EXPECT_NEAR(loss(logits, targets).item(),
              loss(logits.to(Device::cuda()), targets.to(Device::cuda())).item(), 1e-5);
}

}  // namespace
}  // namespace minidl::nn
