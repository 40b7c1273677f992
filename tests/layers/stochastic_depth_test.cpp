// nn::StochasticDepth (training drops per sample, evaluation is the identity), linear_drop_probs
// (p_l = p_L * l / L), and nn::ResidualBlock: PyTorch's parameter names, the projection shortcut,
// evaluation equal to relu(branch + shortcut) from its own children, training giving each sample
// either relu(shortcut) or relu(branch / (1 - p) + shortcut), per-block drop rates that grow
// linearly (6-sigma bounds) and per-seed determinism; StochasticDepthGpu: CUDA keeps the CPU's samples.
#include "layers/stochastic_depth.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "core/ops/elementwise.h"
#include "core/random.h"
#include "support/gpu_test.h"

namespace minidl::nn {
namespace {

int64_t kept_rows(const Tensor& y) {
  int64_t kept = 0;
  for (double v : y.to_vector<double>()) kept += v != 0.0;
  return kept;
}

TEST(StochasticDepthModule, DropsSamplesInTrainingOnly) {
  StochasticDepth sd(0.5);
  EXPECT_EQ(sd.mode(), StochasticDepthMode::Row);
  Generator generator(3);
  sd.set_generator(&generator);
  const Tensor x = ones({4000, 1});
  const int64_t kept = kept_rows(sd(x));
  EXPECT_LE(std::abs(static_cast<double>(kept) - 2000.0), 6 * std::sqrt(4000 * 0.25));
  EXPECT_EQ(generator.offset(), 1000u);
  sd.eval();
  EXPECT_TRUE(sd(x).is_same(x));
  EXPECT_EQ(generator.offset(), 1000u);
  EXPECT_THROW(StochasticDepth(1.5), ValueError);
  EXPECT_THROW(StochasticDepth(-0.1, StochasticDepthMode::Batch), ValueError);
}

TEST(LinearDropProbs, GrowLinearlyToTheLastValue) {
  const std::vector<double> p = linear_drop_probs(4, 0.5);
  EXPECT_EQ(p, (std::vector<double>{0.125, 0.25, 0.375, 0.5}));
  EXPECT_EQ(linear_drop_probs(3, 0.2).back(), 0.2);
  EXPECT_TRUE(linear_drop_probs(0, 0.5).empty());
  EXPECT_THROW(linear_drop_probs(4, 1.5), ValueError);
  EXPECT_THROW(linear_drop_probs(-1, 0.5), ValueError);
}

std::set<std::string> parameter_names(const Module& m) {
  std::set<std::string> names;
  for (const auto& [name, t] : m.named_parameters()) names.insert(name);
  return names;
}

TEST(ResidualBlock, ParameterNamesAndShortcutsFollowTorchvision) {
  const ResidualBlock same(8, 8);
  EXPECT_EQ(same.downsample, nullptr);
  EXPECT_EQ(parameter_names(same), (std::set<std::string>{"conv1.weight", "bn1.weight", "bn1.bias",
                                                          "conv2.weight", "bn2.weight", "bn2.bias"}));
  ResidualBlock projected(8, 16, {.stride = 2, .drop_prob = 0.1});
  ASSERT_NE(projected.downsample, nullptr);
  EXPECT_TRUE(parameter_names(projected).count("downsample.0.weight"));
  EXPECT_TRUE(parameter_names(projected).count("downsample.1.bias"));
  EXPECT_EQ(projected.state_dict().at("downsample.0.weight").shape(), (Shape{16, 8, 1, 1}));
  EXPECT_EQ(projected.state_dict().at("conv1.weight").shape(), (Shape{16, 8, 3, 3}));
  EXPECT_EQ(projected.drop_prob(), 0.1);
  EXPECT_EQ(projected(randn({2, 8, 9, 9})).shape(), (Shape{2, 16, 5, 5}));
  EXPECT_NE(ResidualBlock(8, 16).downsample, nullptr);  // channels change: a 1x1 projection too
  EXPECT_THROW(ResidualBlock(8, 8, {.drop_prob = 2.0}), ValueError);
  EXPECT_THROW(ResidualBlock(0, 8), ValueError);
}

// The block's two summands, from its own children in its current mode.
std::pair<Tensor, Tensor> branch_and_shortcut(ResidualBlock& b, const Tensor& x) {
  const Tensor branch = b.bn2->forward(b.conv2->forward(relu(b.bn1->forward(b.conv1->forward(x)))));
  return {branch, b.downsample ? b.downsample->forward(x) : x};
}

TEST(ResidualBlock, EvaluationAddsTheWholeBranch) {
  for (const int64_t out : {6, 12}) {
    ResidualBlock block(6, out, {.stride = out == 6 ? 1 : 2, .drop_prob = 0.9});
    block.eval();
    const Tensor x = randn({4, 6, 8, 8});
    const auto [branch, shortcut] = branch_and_shortcut(block, x);
    EXPECT_EQ(block(x).to_vector<float>(), relu(branch + shortcut).to_vector<float>());
  }
}

TEST(ResidualBlock, TrainingKeepsOrDropsEachSamplesBranch) {
  const double p = 0.5;
  ResidualBlock block(4, 4, {.drop_prob = p});
  Generator generator(17);
  block.set_generator(&generator);
  const int64_t n = 64;
  const Tensor x = randn({n, 4, 5, 5});
  const Tensor y = block(x);
  const auto [branch, shortcut] = branch_and_shortcut(block, x);  // the same batch statistics
  const std::vector<float> yv = y.to_vector<float>(), dropped = relu(shortcut).to_vector<float>(),
                           kept = relu(branch * (1.0 / (1.0 - p)) + shortcut).to_vector<float>();
  const int64_t per = 4 * 5 * 5;
  int64_t kept_count = 0, dropped_count = 0;
  for (int64_t s = 0; s < n; ++s) {
    bool is_kept = true, is_dropped = true;
    for (int64_t j = s * per; j < (s + 1) * per; ++j) {
      is_kept = is_kept && std::abs(yv[j] - kept[j]) <= 1e-5f * (1 + std::abs(kept[j]));
      is_dropped = is_dropped && yv[j] == dropped[j];
    }
    ASSERT_TRUE(is_kept != is_dropped) << "sample " << s;
    kept_count += is_kept, dropped_count += is_dropped;
  }
  EXPECT_GT(kept_count, 0);
  EXPECT_GT(dropped_count, 0);
  y.backward(ones_like(y));  // the gradient reaches the branch's weights
  EXPECT_TRUE(block.conv1->weight.grad().defined());
}

TEST(ResidualBlock, DropProbabilitiesOfAStackGrowLinearly) {
  const int64_t num_blocks = 4;
  const std::vector<double> probs = linear_drop_probs(num_blocks, 0.8);
  Generator generator(2024);
  const int64_t n = 20000;
  for (int64_t l = 0; l < num_blocks; ++l) {
    ResidualBlock block(2, 2, {.drop_prob = probs[l]});
    EXPECT_DOUBLE_EQ(block.drop_prob(), 0.8 * static_cast<double>(l + 1) / num_blocks);
    block.stochastic_depth->set_generator(&generator);
    // The block's stochastic depth on a branch of ones: the kept fraction is 1 - p_l.
    const int64_t kept = kept_rows(block.stochastic_depth->forward(ones({n, 1})));
    const double p_l = probs[l];
    EXPECT_LE(std::abs(static_cast<double>(kept) - (1 - p_l) * n), 6 * std::sqrt(n * p_l * (1 - p_l)))
        << "block " << l + 1;
  }
}

TEST(ResidualBlock, SameWeightsAndSeedSameOutput) {
  ResidualBlock a(3, 5, {.stride = 2, .drop_prob = 0.5}), b(3, 5, {.stride = 2, .drop_prob = 0.5});
  ASSERT_TRUE(b.load_state_dict(a.state_dict()).ok());
  Generator ga(8), gb(8);
  a.set_generator(&ga);
  b.set_generator(&gb);
  const Tensor x = randn({16, 3, 6, 6});
  EXPECT_EQ(a(x).to_vector<float>(), b(x).to_vector<float>());
}

// ---- GPU: the same generator state keeps the same samples ----

class StochasticDepthGpu : public test::GpuTest {};

TEST_F(StochasticDepthGpu, ModuleKeepsTheCpuSamples) {
  StochasticDepth sd(0.4);
  Generator cpu_generator(5), gpu_generator(5, Device::cuda());
  const Tensor x = rand({999, 3, 2}) + 1.0;
  sd.set_generator(&cpu_generator);
  const std::vector<float> on_cpu = sd(x).to_vector<float>();
  sd.set_generator(&gpu_generator);
  EXPECT_EQ(sd(x.to(Device::cuda())).to(Device::cpu()).to_vector<float>(), on_cpu);
}

}  // namespace
}  // namespace minidl::nn
