// matmul throughput: square float32 products and the linear-layer shapes of a small
// training step (batch 128), on the CPU (OpenBLAS, our OpenMP split) and CUDA (cuBLAS)
// when present; GFLOP/s counts 2*m*n*k per product.
#include <benchmark/benchmark.h>

#include "core/device.h"
#include "core/ops/linalg.h"
#include "core/random.h"
#include "core/stream.h"

namespace {

using namespace minidl;

void run(benchmark::State& state, const Device& device, DType dtype) {
  if (device.is_cuda() && !cuda_available()) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  const Tensor a = randn({m, k}, {.dtype = dtype, .device = device});
  const Tensor b = randn({k, n}, {.dtype = dtype, .device = device});
  for (auto _ : state) {
    const Tensor c = matmul(a, b);
    if (device.is_cuda()) synchronize(device);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 2.0 * static_cast<double>(m * n * k) / 1e9,
                         benchmark::Counter::kIsRate);
}

void BM_MatmulCpuFloat32(benchmark::State& state) { run(state, Device::cpu(), DType::Float32); }
void BM_MatmulCpuFloat64(benchmark::State& state) { run(state, Device::cpu(), DType::Float64); }
void BM_MatmulCudaFloat32(benchmark::State& state) { run(state, Device::cuda(), DType::Float32); }
void BM_MatmulCudaFloat16(benchmark::State& state) { run(state, Device::cuda(), DType::Float16); }

// {m, k, n}: squares, then a 128-sample batch through 512->512 and 2048->10 layers.
void shapes(benchmark::internal::Benchmark* b) {
  for (const int64_t s : {128, 256, 512, 1024}) b->Args({s, s, s});
  b->Args({128, 512, 512})->Args({128, 2048, 10})->Args({512, 128, 2048});
}

BENCHMARK(BM_MatmulCpuFloat32)->Apply(shapes)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_MatmulCpuFloat64)->Args({512, 512, 512})->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_MatmulCudaFloat32)
    ->Apply(shapes)
    ->Args({4096, 4096, 4096})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_MatmulCudaFloat16)->Args({4096, 4096, 4096})->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
