// recompute_batch_norm_statistics (torch.optim.swa_utils.update_bn): after the pass every batch
// norm holds the plain average of its per-batch statistics (mean, unbiased variance), checked
// against a float64 nested-loop computation through two batch norms and a linear layer on
// batches of unequal size; momentum, mode, parameters and frozen statistics are left as they were.
#include "layers/bn_recalibrate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/random.h"
#include "layers/nn.h"
#include "layers/transfer.h"

namespace minidl::nn {
namespace {

using Matrix = std::vector<std::vector<double>>;  // [rows][cols]

std::vector<double> values(const Tensor& t) { return t.to(DType::Float64).contiguous().to_vector<double>(); }

Matrix rows_of(const Tensor& t) {
  const auto v = values(t);
  const std::size_t cols = t.size(1);
  Matrix m(v.size() / cols, std::vector<double>(cols));
  for (std::size_t i = 0; i < v.size(); ++i) m[i / cols][i % cols] = v[i];
  return m;
}

struct Stats {
  std::vector<double> mean, var_biased, var_unbiased;
};

Stats column_stats(const Matrix& m) {
  const std::size_t n = m.size(), cols = m[0].size();
  Stats s{std::vector<double>(cols, 0.0), std::vector<double>(cols, 0.0), {}};
  for (const auto& row : m)
    for (std::size_t c = 0; c < cols; ++c) s.mean[c] += row[c] / n;
  for (const auto& row : m)
    for (std::size_t c = 0; c < cols; ++c) s.var_biased[c] += (row[c] - s.mean[c]) * (row[c] - s.mean[c]) / n;
  for (double v : s.var_biased) s.var_unbiased.push_back(v * n / (n - 1));
  return s;
}

// Sequential(BatchNorm1d(4), Linear(4, 3), BatchNorm1d(3)), with non-trivial affine parameters.
std::shared_ptr<Sequential> make_model() {
  auto model = std::make_shared<Sequential>(std::vector<std::shared_ptr<Module>>{
      std::make_shared<BatchNorm1d>(4), std::make_shared<Linear>(4, 3), std::make_shared<BatchNorm1d>(3)});
  autograd::NoGradGuard no_grad;
  Generator gen(9);
  model->at<BatchNorm1d>(0)->weight.copy_(add(rand({4}, {}, &gen), 0.5));
  model->at<BatchNorm1d>(0)->bias.copy_(randn({4}, {}, &gen));
  return model;
}

TEST(RecomputeBatchNorm, RunningStatisticsAreTheAverageOfTheBatchStatistics) {
  auto model = make_model();
  Generator gen(21);
  std::vector<Tensor> batches;
  for (int64_t n : {8, 5, 11}) batches.push_back(add(mul(randn({n, 4}, {}, &gen), 3.0), 2.0));
  {  // stale statistics, as after loading averaged weights
    autograd::NoGradGuard no_grad;
    model->train();
    (*model)(mul(randn({6, 4}, {}, &gen), 10.0));
  }
  const auto params_before = model->state_dict().at("1.weight").clone();
  model->eval();

  EXPECT_EQ(recompute_batch_norm_statistics(*model, batches), 3);

  // The reference: per batch, BN0 in train mode (batch statistics), the linear layer, BN1's statistics.
  const auto bn0 = model->at<BatchNorm1d>(0), bn2 = model->at<BatchNorm1d>(2);
  const auto lin = model->at<Linear>(1);
  const Matrix w = rows_of(lin->weight);
  const auto b = values(lin->bias), gamma = values(bn0->weight), beta = values(bn0->bias);
  std::vector<double> mean0(4, 0.0), var0(4, 0.0), mean2(3, 0.0), var2(3, 0.0);
  for (const Tensor& batch : batches) {
    const Matrix x = rows_of(batch);
    const Stats s0 = column_stats(x);
    Matrix z(x.size(), std::vector<double>(3, 0.0));
    for (std::size_t r = 0; r < x.size(); ++r)
      for (std::size_t o = 0; o < 3; ++o) {
        z[r][o] = b[o];
        for (std::size_t c = 0; c < 4; ++c)
          z[r][o] +=
              w[o][c] * ((x[r][c] - s0.mean[c]) / std::sqrt(s0.var_biased[c] + 1e-5) * gamma[c] + beta[c]);
      }
    const Stats s2 = column_stats(z);
    for (std::size_t c = 0; c < 4; ++c) {
      mean0[c] += s0.mean[c] / 3;
      var0[c] += s0.var_unbiased[c] / 3;
    }
    for (std::size_t c = 0; c < 3; ++c) {
      mean2[c] += s2.mean[c] / 3;
      var2[c] += s2.var_unbiased[c] / 3;
    }
  }
  auto expect_near = [](const std::vector<double>& got, const std::vector<double>& want, const char* what) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i)
      EXPECT_NEAR(got[i], want[i], 1e-4 * (1 + std::abs(want[i]))) << what << i;
  };
  expect_near(values(bn0->running_mean), mean0, "bn0 mean ");
  expect_near(values(bn0->running_var), var0, "bn0 var ");
  expect_near(values(bn2->running_mean), mean2, "bn2 mean ");
  expect_near(values(bn2->running_var), var2, "bn2 var ");
  EXPECT_EQ(bn0->num_batches_tracked.item(), 3.0);

  EXPECT_FALSE(model->is_training());
  EXPECT_EQ(bn0->options().momentum, std::optional<double>(0.1));
  EXPECT_EQ(values(model->state_dict().at("1.weight")), values(params_before));
  EXPECT_FALSE(model->state_dict().at("1.weight").grad().defined());
}

TEST(RecomputeBatchNorm, KeepsFrozenStatisticsAndWorksFromASource) {
  auto model = make_model();
  freeze(*model, "0.*");  // BN0 locked in eval mode: its (pretrained) statistics must stay
  const auto mean0 = values(model->at<BatchNorm1d>(0)->running_mean);
  Generator gen(5);
  int served = 0;
  const BatchSource source = [&]() -> std::optional<Tensor> {
    if (served == 4) return std::nullopt;
    ++served;
    return randn({6, 4}, {}, &gen);
  };
  model->train();
  EXPECT_EQ(recompute_batch_norm_statistics(*model, source), 4);
  EXPECT_TRUE(model->is_training());
  EXPECT_EQ(values(model->at<BatchNorm1d>(0)->running_mean), mean0);
  EXPECT_EQ(model->at<BatchNorm1d>(0)->num_batches_tracked.item(), 0.0);
  EXPECT_EQ(model->at<BatchNorm1d>(2)->num_batches_tracked.item(), 4.0);
  EXPECT_TRUE(model->at<BatchNorm1d>(0)->eval_locked());
}

TEST(RecomputeBatchNorm, NoBatchesChangeNothing) {
  auto model = make_model();
  Generator gen(6);
  {
    autograd::NoGradGuard no_grad;
    (*model)(randn({6, 4}, {}, &gen));
  }
  const auto mean = values(model->at<BatchNorm1d>(2)->running_mean);
  EXPECT_EQ(recompute_batch_norm_statistics(*model, std::vector<Tensor>{}), 0);
  EXPECT_EQ(values(model->at<BatchNorm1d>(2)->running_mean), mean);
  EXPECT_EQ(model->at<BatchNorm1d>(2)->num_batches_tracked.item(), 1.0);
}

}  // namespace
}  // namespace minidl::nn
