// nn::FractionalMaxPool2d: exactly one of output_size / output_ratio (PyTorch's checks), the
// output size of a ratio, samples drawn from its generator (reproducing the functional op with
// the same draws; fresh windows per call), indices pointing at the pooled values, gradients;
// FractionalPoolGpu: for the same seed CUDA pools the CPU's windows.
#include "layers/fractional_pool.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/random.h"
#include "support/gpu_test.h"

namespace minidl::nn {
namespace {

TEST(FractionalMaxPool2dModule, NeedsExactlyOneOfOutputSizeAndRatio) {
  EXPECT_THROW(FractionalMaxPool2d(2, {}), ValueError);
  EXPECT_THROW(FractionalMaxPool2d(2, {.output_size = 4, .output_ratio = 0.5}), ValueError);
  EXPECT_THROW(FractionalMaxPool2d(2, {.output_ratio = 1.0}), ValueError);
  EXPECT_THROW(FractionalMaxPool2d(2, {.output_ratio = Ratio2{0.5, 0.0}}), ValueError);
  EXPECT_THROW(FractionalMaxPool2d(0, {.output_size = 4}), ValueError);
}

TEST(FractionalMaxPool2dModule, OutputSizeFromSizeOrRatio) {
  FractionalMaxPool2d by_size(3, {.output_size = Size2{5, 6}});
  EXPECT_EQ(by_size(rand({2, 3, 11, 12})).shape(), (Shape{2, 3, 5, 6}));
  FractionalMaxPool2d by_ratio(2, {.output_ratio = Ratio2{0.5, 0.7}});
  EXPECT_EQ(by_ratio.output_size({1, 2, 12, 10}), Size2(6, 7));  // int(12 * 0.5), int(10 * 0.7)
  EXPECT_EQ(by_ratio(rand({1, 2, 12, 10})).shape(), (Shape{1, 2, 6, 7}));
  EXPECT_EQ(by_ratio(rand({2, 32, 32})).shape(), (Shape{2, 16, 22}));  // unbatched
  EXPECT_THROW(by_size(rand({2, 3, 6, 12})), ShapeError);              // 5 + 3 - 1 > 6
}

TEST(FractionalMaxPool2dModule, DrawsItsSamplesFromTheGenerator) {
  FractionalMaxPool2d pool(2, {.output_ratio = 0.6});
  const Tensor x = randn({2, 3, 15, 15});
  Generator layer_generator(42), op_generator(42);
  pool.set_generator(&layer_generator);
  const std::vector<float> first = pool(x).to_vector<float>();
  const Tensor samples = fractional_pool_samples(x, &op_generator);
  EXPECT_EQ(first, fractional_max_pool2d(x, 2, 9, samples).to_vector<float>());
  EXPECT_EQ(layer_generator.offset(), op_generator.offset());
  EXPECT_NE(pool(x).to_vector<float>(), first);  // new windows on every call, as PyTorch's
  pool.eval();                                   // ... in evaluation too
  layer_generator.set_offset(0);
  EXPECT_EQ(pool(x).to_vector<float>(), first);
}

TEST(FractionalMaxPool2dModule, IndicesPointAtThePooledValuesAndGradientsFlow) {
  FractionalMaxPool2d pool(3, {.output_size = 6});
  const Tensor x = randn({2, 2, 10, 10});
  x.requires_grad_(true);
  const auto [out, indices] = pool.forward_with_indices(x);
  const std::vector<float> xv = x.to_vector<float>(), ov = out.to_vector<float>();
  const std::vector<int64_t> iv = indices.to_vector<int64_t>();
  for (std::size_t i = 0; i < ov.size(); ++i) ASSERT_EQ(ov[i], xv[(i / 36) * 100 + iv[i]]) << i;
  out.backward(ones_like(out));
  std::vector<float> expected(xv.size(), 0.0f);
  for (std::size_t i = 0; i < iv.size(); ++i) expected[(i / 36) * 100 + iv[i]] += 1.0f;
  EXPECT_EQ(x.grad().to_vector<float>(), expected);
}

// ---- GPU: the same seed pools the same windows on both devices ----

class FractionalPoolGpu : public test::GpuTest {};

TEST_F(FractionalPoolGpu, LayerPoolsTheCpuWindowsForTheSameSeed) {
  FractionalMaxPool2d pool(2, {.output_ratio = 0.7});
  const Tensor x = randn({4, 8, 32, 32});
  Generator cpu_generator(11), gpu_generator(11, Device::cuda());
  pool.set_generator(&cpu_generator);
  const auto [out_cpu, idx_cpu] = pool.forward_with_indices(x);
  pool.set_generator(&gpu_generator);
  const auto [out_gpu, idx_gpu] = pool.forward_with_indices(x.to(Device::cuda()));
  EXPECT_EQ(out_gpu.to(Device::cpu()).to_vector<float>(), out_cpu.to_vector<float>());
  EXPECT_EQ(idx_gpu.to(Device::cpu()).to_vector<int64_t>(), idx_cpu.to_vector<int64_t>());
}

}  // namespace
}  // namespace minidl::nn
