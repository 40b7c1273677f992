// The batch-norm math of kernels/math/batch_norm.h against independent references: Welford
// and Chan's combine against two-pass float64 sums, the running-statistics rule against
// docs/formulas.md by hand, the backward against central differences, the index walker against
// division, and the reduction split's invariants.
#include "kernels/math/batch_norm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace minidl::kernels {
namespace {

std::vector<double> normal_values(int n, double mean, double stddev, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(mean, stddev);
  std::vector<double> values(static_cast<std::size_t>(n));
  for (double& v : values) v = dist(rng);
  return values;
}

// Two-pass mean and M2 in long double.
void two_pass(const std::vector<double>& v, double* mean, double* m2) {
  long double sum = 0, sq = 0;
  for (double x : v) sum += x;
  const long double m = sum / static_cast<long double>(v.size());
  for (double x : v) sq += (x - m) * (x - m);
  *mean = static_cast<double>(m);
  *m2 = static_cast<double>(sq);
}

TEST(BatchNormMath, WelfordMatchesTwoPass) {
  const std::vector<double> v = normal_values(10000, 3.0, 2.0, 1);
  Welford<double> s;
  for (double x : v) welford_update(s, x);
  double mean, m2;
  two_pass(v, &mean, &m2);
  EXPECT_EQ(s.count, 10000.0);
  EXPECT_NEAR(s.mean, mean, 1e-12);
  EXPECT_NEAR(s.m2, m2, 1e-9 * m2);
}

TEST(BatchNormMath, ChanCombineEqualsOneState) {
  const std::vector<double> v = normal_values(1000, -5.0, 0.5, 2);
  Welford<double> whole, left, right, middle;
  for (std::size_t i = 0; i < v.size(); ++i) {
    welford_update(whole, v[i]);
    welford_update(i < 100 ? left : i < 700 ? middle : right, v[i]);
  }
  const Welford<double> combined = WelfordCombine{}(welford_combine(left, middle), right);
  EXPECT_EQ(combined.count, whole.count);
  EXPECT_NEAR(combined.mean, whole.mean, 1e-12);
  EXPECT_NEAR(combined.m2, whole.m2, 1e-10 * whole.m2);
  const Welford<double> empty;
  EXPECT_EQ(welford_combine(empty, whole).m2, whole.m2);
  EXPECT_EQ(welford_combine(whole, empty).mean, whole.mean);
}

// Mean 1e4, unit variance, float32: chunked Welford as the kernels do it keeps the variance;
// the textbook E[x^2] - E[x]^2 in float loses it entirely.
TEST(BatchNormMath, FloatWelfordSurvivesLargeMean) {
  const std::vector<double> v = normal_values(1 << 16, 1e4, 1.0, 3);
  std::vector<double> rounded(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) rounded[i] = static_cast<float>(v[i]);
  double mean, m2;
  two_pass(rounded, &mean, &m2);
  Welford<float> total;
  float sum = 0, sum_sq = 0;
  for (std::size_t begin = 0; begin < v.size(); begin += 256) {
    Welford<float> chunk;
    for (std::size_t i = begin; i < begin + 256; ++i) welford_update(chunk, static_cast<float>(rounded[i]));
    total = welford_combine(total, chunk);
  }
  for (double x : rounded) sum += static_cast<float>(x), sum_sq += static_cast<float>(x * x);
  const double var = m2 / static_cast<double>(v.size());
  EXPECT_NEAR(total.mean, mean, 2e-3);
  EXPECT_NEAR(total.m2 / total.count, var, 1e-3 * var);
  const double naive = sum_sq / v.size() - (sum / v.size()) * (sum / v.size());
  EXPECT_GT(std::abs(naive - var), 0.1 * var) << "the naive formula was expected to fail here";
}

TEST(BatchNormMath, TrainFinalizeFollowsPyTorchMomentumRule) {
  Welford<double> s;
  for (double x : {1.0, 2.0, 4.0, 7.0}) welford_update(s, x);  // mean 3.5, biased var 5.25, unbiased 7
  const double weight = 2.0, bias = -1.0;
  double running_mean = 0.5, running_var = 1.5, save_mean = 0, save_invstd = 0;
  const BatchNormChannels<double, double> p{&weight,    &bias,        &running_mean, &running_var,
                                            &save_mean, &save_invstd, 0.1,           1e-5};
  const ChannelTransform<double> t = finalize_train_channel(p, 0, s);
  EXPECT_DOUBLE_EQ(save_mean, 3.5);
  EXPECT_DOUBLE_EQ(save_invstd, 1.0 / std::sqrt(5.25 + 1e-5));
  EXPECT_DOUBLE_EQ(running_mean, 0.9 * 0.5 + 0.1 * 3.5);
  EXPECT_DOUBLE_EQ(running_var, 0.9 * 1.5 + 0.1 * 7.0);
  EXPECT_DOUBLE_EQ(batch_norm_apply(7.0, t, false), 2.0 * 3.5 / std::sqrt(5.25 + 1e-5) - 1.0);
  EXPECT_EQ(batch_norm_apply(1.0, t, true), 0.0);
  EXPECT_DOUBLE_EQ(batch_norm_apply(1.0, t, false), -2.0 * 2.5 / std::sqrt(5.25 + 1e-5) - 1.0);
}

TEST(BatchNormMath, FinalizeWithoutAffineOrRunningStats) {
  Welford<float> s;
  for (float x : {0.0f, 2.0f}) welford_update(s, x);
  float save_mean = 0, save_invstd = 0;
  const BatchNormChannels<float, float> p{nullptr,    nullptr,      nullptr, nullptr,
                                          &save_mean, &save_invstd, 0.1f,    0.0f};
  const ChannelTransform<float> t = finalize_train_channel(p, 0, s);
  EXPECT_EQ(t.mean, 1.0f);
  EXPECT_EQ(t.scale, 1.0f);  // gamma 1 times invstd 1
  EXPECT_EQ(t.shift, 0.0f);
}

TEST(BatchNormMath, EvalFinalizeUsesRunningStatistics) {
  const float weight = 3.0f, bias = 0.5f, running_mean = 2.0f, running_var = 4.0f;
  float save_mean = 0, save_invstd = 0;
  const BatchNormChannels<float, float> p{&weight,
                                          &bias,
                                          const_cast<float*>(&running_mean),
                                          const_cast<float*>(&running_var),
                                          &save_mean,
                                          &save_invstd,
                                          0.1f,
                                          0.0f};
  const ChannelTransform<float> t = finalize_eval_channel(p, 0);
  EXPECT_EQ(save_mean, 2.0f);
  EXPECT_EQ(save_invstd, 0.5f);
  EXPECT_EQ(batch_norm_apply(6.0f, t, false), 3.0f * (6.0f - 2.0f) * 0.5f + 0.5f);
}

// One channel of n values in float64: y = gamma * (x - mean) / sqrt(var + eps) + beta, loss
// sum w*y; the backward's dx, dgamma, dbeta against central differences.
TEST(BatchNormMath, BackwardMatchesFiniteDifferences) {
  const int n = 7;
  const double eps = 1e-5, gamma = 1.7, beta = -0.3;
  std::vector<double> x = normal_values(n, 0.5, 1.3, 4);
  const std::vector<double> w = normal_values(n, 0.0, 1.0, 5);
  const auto loss = [&](const std::vector<double>& v, double g, double b) {
    Welford<double> s;
    for (double e : v) welford_update(s, e);
    double total = 0;
    for (int i = 0; i < n; ++i) total += w[i] * (g * (v[i] - s.mean) / std::sqrt(s.m2 / n + eps) + b);
    return total;
  };
  Welford<double> s;
  for (double e : x) welford_update(s, e);
  const double mean = s.mean, invstd = batch_norm_invstd(s.m2 / n, eps);
  GradSums<double> sums;
  for (int i = 0; i < n; ++i) sums = GradSumsAdd{}(sums, GradSums<double>{w[i], w[i] * (x[i] - mean)});
  double dgamma = 0, dbeta = 0;
  const BatchNormGradChannels<double, double> p{&gamma, &mean, &invstd, &dgamma, &dbeta, double(n), true};
  const InputGradTransform<double> t = finalize_grad_channel(p, 0, sums);
  const double h = 1e-6;
  EXPECT_NEAR(dgamma, (loss(x, gamma + h, beta) - loss(x, gamma - h, beta)) / (2 * h), 1e-7);
  EXPECT_NEAR(dbeta, (loss(x, gamma, beta + h) - loss(x, gamma, beta - h)) / (2 * h), 1e-7);
  for (int i = 0; i < n; ++i) {
    std::vector<double> plus = x, minus = x;
    plus[i] += h, minus[i] -= h;
    EXPECT_NEAR(batch_norm_input_grad(w[i], x[i], t),
                (loss(plus, gamma, beta) - loss(minus, gamma, beta)) / (2 * h), 1e-6)
        << i;
  }
  // Evaluation: constant statistics, dx = gamma * invstd * dy.
  const BatchNormGradChannels<double, double> eval{&gamma,  &mean,     &invstd, nullptr,
                                                   nullptr, double(n), false};
  EXPECT_DOUBLE_EQ(batch_norm_input_grad(2.0, x[0], finalize_grad_channel(eval, 0, sums)),
                   gamma * invstd * 2.0);
}

TEST(BatchNormMath, ReluMasksGradientByOutput) {
  EXPECT_EQ(relu_masked_grad(3.0f, -1.0f, true), 0.0f);
  EXPECT_EQ(relu_masked_grad(3.0f, 0.0f, true), 0.0f);
  EXPECT_EQ(relu_masked_grad(3.0f, 0.5f, true), 3.0f);
  EXPECT_EQ(relu_masked_grad(3.0f, -1.0f, false), 3.0f);
}

TEST(BatchNormMath, IndexWalkerMatchesDivision) {
  struct Case {
    int64_t start, stride, lo_size, hi_size;
  };
  for (const Case k :
       {Case{0, 1, 1, 3}, Case{5, 256, 1, 7}, Case{3, 256, 49, 64}, Case{100, 1000, 17, 5},
        Case{7, 33, 1024, 1}, Case{2, 4096 * 256, 3, 1000}, Case{9, 64, 10, kUnboundedDigit}}) {
    IndexWalker walk(k.start, k.stride, k.lo_size, k.hi_size);
    for (int64_t i = k.start, step = 0; step < 500; i += k.stride, ++step, walk.advance()) {
      ASSERT_EQ(walk.lo, i % k.lo_size) << i;
      ASSERT_EQ(walk.hi, i / k.lo_size % k.hi_size) << i;
    }
  }
}

TEST(BatchNormMath, ReductionSplitCoversEveryValueOnce) {
  for (const int64_t channels : {1, 3, 64, 2048})
    for (const int64_t per_channel : {2, 255, 256 * 16, 100000, 1 << 22}) {
      const ReductionSplit split = reduction_split(channels, per_channel, 256, 1056, 16);
      ASSERT_GE(split.parts, 1);
      ASSERT_GE(split.parts * split.chunk, per_channel);        // covered
      ASSERT_LT((split.parts - 1) * split.chunk, per_channel);  // no empty part
      ASSERT_LE(split.parts, (1056 + channels - 1) / channels);
      if (split.parts > 1) {
        ASSERT_GE(split.chunk, 256 * 16 - 256);  // each thread gets work
      }
    }
  EXPECT_EQ(reduction_split(1, 1 << 22, 256, 1056, 16).parts, 1024);  // capped by per-thread work
  EXPECT_EQ(reduction_split(64, 1 << 22, 256, 1056, 16).parts, 17);   // enough blocks in total
}

}  // namespace
}  // namespace minidl::kernels
