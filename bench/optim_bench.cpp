// Achieved bandwidth of the fused optimizer steps (kernels/optim.h) at 1M/16M/64M float32
// parameters, as one tensor and as 200 ResNet-like tensors, next to a device-to-device
// copy measured in the same run (the roofline). Bytes are what a step must move: Adam
// 28 B/param (read p, g, m, v; write p, m, v), SGD with momentum 20 B/param (read p, g, b;
// write p, b), copy 8 B/element. CUDA times come from events with the L2 flushed before
// each run; CUDA cases skip with an error without a GPU. bench/torch_compare.py times
// PyTorch's fused Adam and foreach SGD on the same sizes.
#include <benchmark/benchmark.h>

#include "bench/timing.h"

#include <chrono>
#include <functional>
#include <string>

#include "core/cuda/runtime.h"
#include "core/device.h"
#include "core/stream.h"
#include "core/tensor.h"
#include "kernels/ops.h"
#include "kernels/optim.h"

namespace minidl {
namespace {

using kernels::TensorList;

using bench::on_device;
using bench::run_timed;

// 200 tensors shaped like a ResNet's: every third a small bias/BN vector (64..2048
// elements, some odd), the rest conv/linear weights of uneven sizes that share what is left.
std::vector<int64_t> resnet_like_sizes(int64_t total) {
  constexpr int kTensors = 200;
  std::vector<int64_t> sizes(kTensors);
  int64_t small_total = 0, weight_sum = 0;
  for (int i = 0; i < kTensors; ++i) {
    if (i % 3 == 0) {
      sizes[i] = 64 << (i % 6) | (i % 2);  // 64..2048, odd for odd i
      small_total += sizes[i];
    } else {
      sizes[i] = 1 + (i * 7919) % 97;  // relative weight of this layer
      weight_sum += sizes[i];
    }
  }
  int64_t left = total - small_total, assigned = 0, last = -1;
  for (int i = 0; i < kTensors; ++i) {
    if (i % 3 == 0) continue;
    sizes[i] = left * sizes[i] / weight_sum;
    assigned += sizes[i];
    last = i;
  }
  sizes[last] += left - assigned;  // the exact total
  return sizes;
}

TensorList filled_list(const std::vector<int64_t>& sizes, const Device& device, double value) {
  TensorList list;
  for (int64_t n : sizes) list.push_back(full({n}, value, {.dtype = DType::Float32, .device = device}));
  return list;
}

std::vector<int64_t> layout(int64_t total, bool mixed) {
  return mixed ? resnet_like_sizes(total) : std::vector<int64_t>{total};
}

void BM_Copy(benchmark::State& state, bool cuda) {
  on_device(state, cuda, [&](const Device& device) {
    const int64_t n = state.range(0);
    const Tensor src = full({n}, 1.0, {.device = device}), dst = full({n}, 0.0, {.device = device});
    run_timed(state, device, 8.0 * static_cast<double>(n), [&] {
      if (device.is_cuda())
        kernels::cuda::memcpy_async(dst.data_ptr(), src.data_ptr(), src.nbytes(),
                                    kernels::cuda::CopyKind::DeviceToDevice,
                                    Stream::current(device).handle());
      else
        kernels::copy(src, dst);
    });
  });
}

void BM_Adam(benchmark::State& state, bool cuda, bool mixed) {
  on_device(state, cuda, [&](const Device& device) {
    const int64_t n = state.range(0);
    const auto sizes = layout(n, mixed);
    const TensorList p = filled_list(sizes, device, 1.0), g = filled_list(sizes, device, 0.01);
    const TensorList m = filled_list(sizes, device, 0.0), v = filled_list(sizes, device, 0.0);
    int64_t step = 0;
    run_timed(state, device, 28.0 * static_cast<double>(n),
              [&] { kernels::adam_step(p, g, m, v, {}, {.lr = 1e-3}, {.step = ++step}); });
    state.SetLabel(std::to_string(sizes.size()) + " tensors");
  });
}

void BM_SgdMomentum(benchmark::State& state, bool cuda, bool mixed) {
  on_device(state, cuda, [&](const Device& device) {
    const int64_t n = state.range(0);
    const auto sizes = layout(n, mixed);
    const TensorList p = filled_list(sizes, device, 1.0), g = filled_list(sizes, device, 0.01);
    const TensorList b = filled_list(sizes, device, 0.0);
    int64_t step = 0;
    run_timed(state, device, 20.0 * static_cast<double>(n),
              [&] { kernels::sgd_step(p, g, b, {.lr = 0.1, .momentum = 0.9}, {.step = ++step}); });
    state.SetLabel(std::to_string(sizes.size()) + " tensors");
  });
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Arg(int64_t{1} << 20)->Arg(int64_t{16} << 20)->Arg(int64_t{64} << 20);
  b->UseManualTime()->Unit(benchmark::kMicrosecond);
}

BENCHMARK_CAPTURE(BM_Copy, cuda, true)->Apply(sizes);
BENCHMARK_CAPTURE(BM_Adam, cuda_one_tensor, true, false)->Apply(sizes);
BENCHMARK_CAPTURE(BM_Adam, cuda_200_tensors, true, true)->Apply(sizes);
BENCHMARK_CAPTURE(BM_SgdMomentum, cuda_one_tensor, true, false)->Apply(sizes);
BENCHMARK_CAPTURE(BM_SgdMomentum, cuda_200_tensors, true, true)->Apply(sizes);
BENCHMARK_CAPTURE(BM_Copy, cpu, false)->Apply(sizes);
BENCHMARK_CAPTURE(BM_Adam, cpu_one_tensor, false, false)->Apply(sizes);
BENCHMARK_CAPTURE(BM_Adam, cpu_200_tensors, false, true)->Apply(sizes);
BENCHMARK_CAPTURE(BM_SgdMomentum, cpu_one_tensor, false, false)->Apply(sizes);
BENCHMARK_CAPTURE(BM_SgdMomentum, cpu_200_tensors, false, true)->Apply(sizes);

}  // namespace
}  // namespace minidl

BENCHMARK_MAIN();
