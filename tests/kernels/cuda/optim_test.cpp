// The CUDA multi-tensor kernels of kernels/cuda/optim.cu against the CPU backend: every
// optimizer branch in float32 and float64, misaligned views (scalar path), lists longer
// than one launch holds (tensor slots, work items, a tensor over 2048 chunks), lr and t
// read from device tensors, EMA, clipping (deterministic norm) and unscaling. Skipped
// without a GPU.
#include <gtest/gtest.h>

#include <algorithm>

#include "kernels/multi_tensor.h"
#include "kernels/optim.h"
#include "kernels/optim_cases.h"
#include "support/gpu_test.h"

namespace minidl::kernels {
namespace {

using test::OptimCase;
using test::OptimLists;

class OptimGpu : public test::GpuTest {};

const std::vector<Shape> kShapes = {{1}, {3}, {1023}, {65537}, {7, 13}, {0}};

void expect_lists_close(const TensorList& gpu, const TensorList& cpu, double tol, const std::string& what) {
  ASSERT_EQ(gpu.size(), cpu.size());
  for (std::size_t k = 0; k < gpu.size(); ++k) {
    const auto got = gpu[k].to(Device::cpu()).to_vector<double>(), want = cpu[k].to_vector<double>();
    const int64_t bad = test::first_mismatch(got, want, tol, tol);
    ASSERT_EQ(bad, -1) << what << " tensor " << k << " element " << bad;
  }
}

// Runs a case on both backends from the same start and compares after `steps` steps.
void expect_gpu_matches_cpu(const OptimCase& c, const std::vector<Shape>& shapes, DType dtype,
                            bool misaligned, int64_t steps = 4) {
  const double tol = dtype == DType::Float64 ? 1e-12 : 1e-5;
  const OptimLists cpu = test::make_optim_lists(c.uses, shapes, {.dtype = dtype});
  const OptimLists gpu =
      test::make_optim_lists(c.uses, shapes, {.dtype = dtype, .device = Device::cuda()}, misaligned);
  for (int64_t t = 1; t <= steps; ++t) {
    test::fill_golden_grads(cpu.grads, t);
    test::fill_golden_grads(gpu.grads, t);
    c.step(cpu.params, cpu.grads, cpu.states, {.step = t});
    c.step(gpu.params, gpu.grads, gpu.states, {.step = t});
  }
  expect_lists_close(gpu.params, cpu.params, tol, c.name + " params");
  for (std::size_t l = 0; l < 3; ++l)
    if (c.uses[l])
      expect_lists_close(gpu.states[l], cpu.states[l], tol, c.name + " state " + std::to_string(l));
}

TEST_F(OptimGpu, EveryAlgorithmMatchesTheCpu) {
  for (const OptimCase& c : test::all_optim_cases()) {
    expect_gpu_matches_cpu(c, kShapes, DType::Float32, false);
    expect_gpu_matches_cpu(c, kShapes, DType::Float64, false);
  }
}

TEST_F(OptimGpu, MisalignedViewsTakeTheScalarPath) {
  for (const OptimCase& c : test::all_optim_cases()) expect_gpu_matches_cpu(c, kShapes, DType::Float32, true);
}

TEST_F(OptimGpu, ListsLongerThanOneLaunch) {
  // 2500 tensors: more than the 396 slots of a 5-list launch and more than 2048 items.
  std::vector<Shape> shapes;
  for (int k = 0; k < 2500; ++k) shapes.push_back({1 + (k * 37) % 300});
  ASSERT_GT(static_cast<int>(shapes.size()), max_tensors_per_launch(kMaxLists));
  for (const OptimCase& c : test::all_optim_cases())
    if (c.name == "adam_amsgrad_l1" || c.name == "sgd_momentum")
      expect_gpu_matches_cpu(c, shapes, DType::Float32, false, 2);
}

TEST_F(OptimGpu, TensorOverMoreChunksThanALaunchHolds) {
  const int64_t n = kMaxChunk * kMaxWorkItems + 5;  // 2049 chunks of the largest size
  const TensorList cpu_p = {full({n}, 1.0)}, cpu_g = {full({n}, 0.5)};
  cpu_g[0].narrow(0, n - 3, 3).fill_(2.0);
  const TensorList gpu_p = {cpu_p[0].to(Device::cuda())}, gpu_g = {cpu_g[0].to(Device::cuda())};
  sgd_step(cpu_p, cpu_g, {}, {.lr = 0.25});
  sgd_step(gpu_p, gpu_g, {}, {.lr = 0.25});
  // The head, the seam between the two launches (chunk 2048) and the tail.
  for (const int64_t start : {int64_t{0}, kMaxChunk * (kMaxWorkItems - 1), n - 2 * kMaxChunk}) {
    const int64_t length = std::min(2 * kMaxChunk, n - start);  // the seam's second chunk has 5
    const Tensor got = gpu_p[0].narrow(0, start, length).to(Device::cpu());
    EXPECT_EQ(got.to_vector<float>(), cpu_p[0].narrow(0, start, length).contiguous().to_vector<float>())
        << "from element " << start;
  }
}

TEST_F(OptimGpu, StepAndLrFromDeviceTensors) {
  constexpr double kLr = 0.015625;
  for (const OptimCase& c : test::all_optim_cases()) {
    const OptimLists a = test::make_optim_lists(c.uses, kShapes, {.device = Device::cuda()});
    const OptimLists b = test::make_optim_lists(c.uses, kShapes, {.device = Device::cuda()});
    const Tensor step = zeros({1}, {.dtype = DType::Float32, .device = Device::cuda()});
    const Tensor lr = full({}, kLr, {.dtype = DType::Float32, .device = Device::cuda()});
    const Tensor host_lr = full({}, kLr, {.dtype = DType::Float64, .device = Device::cuda()});
    for (int64_t t = 1; t <= 3; ++t) {
      test::fill_golden_grads(a.grads, t);
      test::fill_golden_grads(b.grads, t);
      step.fill_(static_cast<double>(t));
      c.step(a.params, a.grads, a.states, {.step = 77, .step_tensor = step, .lr_tensor = lr});
      c.step(b.params, b.grads, b.states, {.step = t, .lr_tensor = host_lr});
    }
    for (std::size_t k = 0; k < kShapes.size(); ++k)
      EXPECT_EQ(a.params[k].to(Device::cpu()).to_vector<float>(),
                b.params[k].to(Device::cpu()).to_vector<float>())
          << c.name;
  }
}

TEST_F(OptimGpu, DevicesMustAgree) {
  const TensorList params = {ones({3}, {.device = Device::cuda()})};
  EXPECT_THROW(sgd_step(params, {ones({3})}, {}, {.lr = 0.1}), DeviceError);
  EXPECT_THROW(sgd_step(params, params, {}, {.lr = 0.1}, {.lr_tensor = ones({})}), DeviceError);
  EXPECT_THROW(unscale_grads(params, 1.0, zeros({1})), DeviceError);
}

TensorList to_cuda(const TensorList& list) {
  TensorList out;
  for (const Tensor& t : list) out.push_back(t.to(Device::cuda()));
  return out;
}

TensorList lists_of(const std::vector<Shape>& shapes, DType dtype, int64_t salt) {
  TensorList out;
  for (std::size_t k = 0; k < shapes.size(); ++k)
    out.push_back(
        from_vector(test::golden_grad(shape_numel(shapes[k]), salt, static_cast<int64_t>(k)), shapes[k])
            .to(dtype));
  return out;
}

TEST_F(OptimGpu, EmaClipAndUnscaleMatchTheCpu) {
  for (DType dtype : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16}) {
    SCOPED_TRACE(::testing::Message() << dtype);
    const double tol = dtype == DType::Float32 ? 1e-6 : dtype == DType::Float64 ? 1e-13 : 1e-2;
    const TensorList cpu_e = lists_of(kShapes, dtype, 1), cpu_p = lists_of(kShapes, dtype, 2);
    const TensorList gpu_e = to_cuda(cpu_e), gpu_p = to_cuda(cpu_p);
    ema_update(cpu_e, cpu_p, 0.9);
    ema_update(gpu_e, gpu_p, 0.9);
    expect_lists_close(gpu_e, cpu_e, tol, "ema");

    const TensorList cpu_g = lists_of(kShapes, dtype, 3), gpu_g = to_cuda(cpu_g), gpu_g2 = to_cuda(cpu_g);
    const double cpu_norm = clip_grad_norm(cpu_g, 1.0).item();
    const Tensor gpu_norm = clip_grad_norm(gpu_g, 1.0);
    EXPECT_TRUE(gpu_norm.device().is_cuda());
    EXPECT_NEAR(gpu_norm.item(), cpu_norm, 1e-12 * cpu_norm);
    EXPECT_EQ(clip_grad_norm(gpu_g2, 1.0).item(), gpu_norm.item()) << "the norm is deterministic";
    expect_lists_close(gpu_g, cpu_g, tol, "clip");

    const TensorList cpu_u = lists_of(kShapes, dtype, 4), gpu_u = to_cuda(cpu_u);
    const Tensor flag = zeros({1}, {.device = Device::cuda()});
    unscale_grads(cpu_u, 0.5, zeros({1}));
    unscale_grads(gpu_u, full({}, 0.5, {.device = Device::cuda()}), flag);
    expect_lists_close(gpu_u, cpu_u, tol, "unscale");
    EXPECT_EQ(flag.item(), 0.0);
    gpu_u[3].narrow(0, 65000, 1).fill_(NAN);
    unscale_grads(gpu_u, 0.5, flag);
    EXPECT_EQ(flag.item(), 1.0);
  }
}

TEST_F(OptimGpu, SmallNormLeavesGpuGradsUntouched) {
  const TensorList cpu_g = lists_of(kShapes, DType::Float32, 5), gpu_g = to_cuda(cpu_g);
  const double norm = clip_grad_norm(gpu_g, 1e6).item();
  EXPECT_GT(norm, 0.0);
  for (std::size_t k = 0; k < kShapes.size(); ++k)
    EXPECT_EQ(gpu_g[k].to(Device::cpu()).to_vector<float>(), cpu_g[k].to_vector<float>());
}

}  // namespace
}  // namespace minidl::kernels
