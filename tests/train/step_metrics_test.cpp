// StepMetrics: the values read back equal each step's loss and accuracy computed directly,
// in order, only every sync_every steps and at flush(); the same on CUDA.
#include "train/step_metrics.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/ops/loss.h"
#include "support/gpu_test.h"

namespace minidl::train {
namespace {

struct Step {
  Tensor loss, logits, targets;
};

// Step k: 4 samples of 3 classes with argmax (0, 1, 2, 0); the first k % 5 targets are hits.
std::vector<Step> steps(int count, const Device& device) {
  std::vector<Step> all;
  for (int k = 0; k < count; ++k) {
    const Tensor logits = from_vector<float>({3, 1, 0, 0, 2, 1, 1, 0, 4, 5, 0, 0}, {4, 3}).to(device);
    std::vector<int64_t> targets = {1, 2, 0, 1};  // all misses
    const std::vector<int64_t> hits = {0, 1, 2, 0};
    for (int i = 0; i < k % 5; ++i) targets[i] = hits[i];
    const Tensor loss = from_vector<float>({0.25f * static_cast<float>(k + 1)}, {}).to(device);
    all.push_back({loss, logits, from_vector<int64_t>(targets, {4}).to(device)});
  }
  return all;
}

void expect_reads(const Device& device) {
  StepMetrics metrics(3);
  std::vector<StepValues> read;
  int step = 0;
  for (const Step& s : steps(7, device)) {
    const auto got = metrics.add(s.loss, s.logits, s.targets);
    ++step;
    EXPECT_EQ(got.size(), step % 3 == 0 ? 3u : 0u) << "after step " << step;
    read.insert(read.end(), got.begin(), got.end());
  }
  EXPECT_EQ(metrics.pending(), 1);
  const auto rest = metrics.flush();
  read.insert(read.end(), rest.begin(), rest.end());
  EXPECT_EQ(metrics.pending(), 0);
  EXPECT_TRUE(metrics.flush().empty());
  ASSERT_EQ(read.size(), 7u);
  const auto expected = steps(7, Device::cpu());
  for (std::size_t k = 0; k < read.size(); ++k) {
    EXPECT_DOUBLE_EQ(read[k].loss, 0.25 * static_cast<double>(k + 1)) << "step " << k;
    EXPECT_DOUBLE_EQ(read[k].accuracy, static_cast<double>(k % 5) / 4.0) << "step " << k;
    EXPECT_DOUBLE_EQ(read[k].accuracy, accuracy(expected[k].logits, expected[k].targets));
    EXPECT_EQ(read[k].samples, 4);
  }
}

TEST(StepMetrics, ReadsEverySyncEveryStepsInOrder) { expect_reads(Device::cpu()); }

TEST(StepMetrics, SyncEveryOneReadsEachStepAtOnce) {
  StepMetrics metrics(1);
  const auto s = steps(3, Device::cpu())[2];
  const auto got = metrics.add(s.loss, s.logits, s.targets);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_DOUBLE_EQ(got[0].loss, 0.75);
  EXPECT_DOUBLE_EQ(got[0].accuracy, 0.5);
}

TEST(StepMetrics, RejectsBadArguments) {
  EXPECT_THROW(StepMetrics(0), ValueError);
  StepMetrics metrics(2);
  const auto s = steps(1, Device::cpu())[0];
  EXPECT_THROW(metrics.add(s.logits, s.logits, s.targets), ShapeError);
  EXPECT_THROW(metrics.add(s.loss, s.logits, from_vector<int64_t>({0, 1}, {2})), ShapeError);
  EXPECT_EQ(StepMetrics::default_sync_every(Device::cpu()), 1);
  EXPECT_EQ(StepMetrics::default_sync_every(Device::cuda()), 50);
}

class StepMetricsGpu : public test::GpuTest {};

TEST_F(StepMetricsGpu, ReadsTheSameValuesFromTheDevice) { expect_reads(Device::cuda()); }

}  // namespace
}  // namespace minidl::train
