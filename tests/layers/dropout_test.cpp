// Dropout: the identity in evaluation and for drop_prob 0; in training the dropped fraction
// is drop_prob and survivors are scaled by 1/(1 - drop_prob); reproducible from a Generator;
// CUDA gives the CPU's mask for the same generator state.
#include "layers/dropout.h"

#include <gtest/gtest.h>

#include "core/ops/elementwise.h"
#include "core/random.h"
#include "support/gpu_test.h"

namespace minidl::nn {
namespace {

TEST(Dropout, EvalIsTheIdentity) {
  Dropout drop(0.7);
  drop.eval();
  const Tensor x = randn({50, 20});
  EXPECT_EQ(drop(x).to_vector<float>(), x.to_vector<float>());
}

TEST(Dropout, TrainingDropsAndRescales) {
  const double drop_prob = 0.25;
  Dropout drop(drop_prob);
  const Tensor x = add(rand({200, 100}), 1.0);  // no zeros of its own
  const auto xv = x.to_vector<float>(), yv = drop(x).to_vector<float>();
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < xv.size(); ++i) {
    if (yv[i] == 0.f) {
      ++zeros;
      continue;
    }
    EXPECT_FLOAT_EQ(yv[i], xv[i] / static_cast<float>(1 - drop_prob)) << i;
  }
  EXPECT_NEAR(static_cast<double>(zeros) / static_cast<double>(xv.size()), drop_prob, 0.015);
}

TEST(Dropout, ZeroProbabilityIsTheIdentityInTraining) {
  Dropout drop(0.0);
  const Tensor x = randn({7, 3});
  EXPECT_EQ(drop(x).to_vector<float>(), x.to_vector<float>());
}

TEST(Dropout, SameGeneratorStateSameMask) {
  Dropout a(0.5), b(0.5);
  Generator ga(11), gb(11);
  a.set_generator(&ga);
  b.set_generator(&gb);
  const Tensor x = randn({32, 32});
  EXPECT_EQ(a(x).to_vector<float>(), b(x).to_vector<float>());
  EXPECT_NE(a(x).to_vector<float>(), a(x).to_vector<float>());  // each call draws anew
}

TEST(Dropout, RejectsBadProbability) {
  EXPECT_THROW(Dropout(1.01), ValueError);
  EXPECT_THROW(Dropout(-0.5), ValueError);
}

using LayersGpu = test::GpuTest;  // one fixture type: the suite spans the files of layers_tests

TEST_F(LayersGpu, DropoutMaskOnCudaMatchesCpu) {
  Dropout cpu(0.3), gpu(0.3);
  Generator g_cpu(5), g_gpu(5, Device::cuda());
  cpu.set_generator(&g_cpu);
  gpu.set_generator(&g_gpu);
  const Tensor x = randn({17, 29});
  EXPECT_EQ(cpu(x).to_vector<float>(), gpu(x.to(Device::cuda())).to_vector<float>());
  gpu.eval();
  EXPECT_EQ(gpu(x.to(Device::cuda())).to_vector<float>(), x.to_vector<float>());
}

}  // namespace
}  // namespace minidl::nn
