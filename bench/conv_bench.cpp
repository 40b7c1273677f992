// conv2d forward and forward+backward (input, weight and bias gradients) for the CIFAR
// small-CNN layers (batch 128, 3x3, padding 1): 3->32 at 32x32, 32->64 at 16x16,
// 64->128 at 8x8, on the CPU and (when present) CUDA; GFLOP/s counts 2*N*O*H*W*C*9 per
// direction. bench/conv_torch_compare.py times PyTorch on the same layers.
#include <benchmark/benchmark.h>

#include "bench/timing.h"

#include "core/autograd.h"
#include "core/device.h"
#include "core/ops/conv.h"
#include "core/random.h"
#include "core/stream.h"

namespace {

using namespace minidl;

struct Layer {
  int64_t channels, out_channels, size;
};
constexpr Layer kLayers[] = {{3, 32, 32}, {32, 64, 16}, {64, 128, 8}};
constexpr int64_t kBatch = 128;

double forward_flops(const Layer& l) {
  return 2.0 * kBatch * l.out_channels * l.size * l.size * l.channels * 9;
}

void BM_Conv2d(benchmark::State& state, const Device& device, bool backward) {
  const Layer& l = kLayers[state.range(0)];
  const TensorOptions options{.dtype = DType::Float32, .device = device};
  const Tensor x = randn({kBatch, l.channels, l.size, l.size}, options);
  const Tensor w = randn({l.out_channels, l.channels, 3, 3}, options);
  const Tensor b = randn({l.out_channels}, options);
  const Tensor grad = randn({kBatch, l.out_channels, l.size, l.size}, options);
  for (const Tensor& t : {x, w, b}) t.requires_grad_(backward);
  for (auto _ : state) {
    const Tensor y = conv2d(x, w, b, 1, 1);
    if (backward) {
      y.backward(grad);
      for (const Tensor& t : {x, w, b}) t.set_grad(Tensor());
    }
    if (device.is_cuda()) synchronize(device);
    benchmark::DoNotOptimize(y.data_ptr());
  }
  const double flops = forward_flops(l) * (backward ? 3.0 : 1.0);
  state.counters["GFLOP/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * flops / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(l.channels) + "->" + std::to_string(l.out_channels) + " at " +
                 std::to_string(l.size) + "x" + std::to_string(l.size));
}

const bool registered =
    bench::register_layer_benchmarks("BM_Conv2d", BM_Conv2d, std::size(kLayers), benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
