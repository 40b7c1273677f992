// max_pool2d (2x2, stride 2: the small CNN's pooling) forward and forward+backward at the
// three small-CNN sizes (batch 128: 32 channels at 32x32, 64 at 16x16, 128 at 8x8), on the
// CPU and (when present) CUDA. GB/s counts the bytes each pass must move: forward reads x and
// writes y (1.25 x the input); backward reads x and dy and writes dx (2.25 x the input).
#include <benchmark/benchmark.h>

#include "bench/timing.h"

#include "core/autograd.h"
#include "core/device.h"
#include "core/ops/pooling.h"
#include "core/random.h"
#include "core/stream.h"

namespace {

using namespace minidl;

struct Layer {
  int64_t channels, size;
};
constexpr Layer kLayers[] = {{32, 32}, {64, 16}, {128, 8}};
constexpr int64_t kBatch = 128;

void BM_MaxPool2d(benchmark::State& state, const Device& device, bool backward) {
  const Layer& l = kLayers[state.range(0)];
  const TensorOptions options{.dtype = DType::Float32, .device = device};
  const Tensor x = randn({kBatch, l.channels, l.size, l.size}, options);
  const Tensor grad = randn({kBatch, l.channels, l.size / 2, l.size / 2}, options);
  x.requires_grad_(backward);
  for (auto _ : state) {
    const Tensor y = max_pool2d(x, 2, 2);
    if (backward) {
      y.backward(grad);
      x.set_grad(Tensor());
    }
    if (device.is_cuda()) synchronize(device);
    benchmark::DoNotOptimize(y.data_ptr());
  }
  const double input_bytes = static_cast<double>(x.numel()) * 4;
  const double bytes = input_bytes * (backward ? 1.25 + 2.25 : 1.25);
  state.counters["GB/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * bytes / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel(std::to_string(l.channels) + " channels at " + std::to_string(l.size) + "x" +
                 std::to_string(l.size));
}

const bool registered = bench::register_layer_benchmarks("BM_MaxPool2d", BM_MaxPool2d, std::size(kLayers),
                                                         benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
