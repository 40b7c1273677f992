// Achieved bandwidth of the element-wise and reduction kernels at 1M and 16M float32
// elements, next to a copy of the same elements measured in the same run (the roofline:
// cudaMemcpy device-to-device on CUDA, the copy kernel on the CPU). Bytes are what each
// op must move: copy 8 B/element, add 12 (two reads, one write), relu 8, sum 4.
// add and relu write into a preallocated output (kernel time, not allocation); sum is
// the public op. CUDA times come from events with the L2 flushed before each run; the
// CUDA cases skip with an error when there is no GPU.
#include <benchmark/benchmark.h>

#include "bench/timing.h"

#include <chrono>
#include <functional>

#include "core/cuda/runtime.h"
#include "core/device.h"
#include "core/ops/reduction.h"
#include "core/stream.h"
#include "core/tensor.h"
#include "kernels/elementwise.h"
#include "kernels/ops.h"

namespace minidl {
namespace {


using bench::on_device;
using bench::run_timed;

Tensor filled(int64_t n, const Device& device, double value) {
  return full({n}, value, {.dtype = DType::Float32, .device = device});
}

void BM_Copy(benchmark::State& state, bool cuda) {
  on_device(state, cuda, [&](const Device& device) {
    const int64_t n = state.range(0);
    const Tensor src = filled(n, device, 1.0), dst = filled(n, device, 0.0);
    run_timed(state, device, 8 * n, [&] {
      if (device.is_cuda())
        kernels::cuda::memcpy_async(dst.data_ptr(), src.data_ptr(), src.nbytes(),
                                    kernels::cuda::CopyKind::DeviceToDevice,
                                    Stream::current(device).handle());
      else
        kernels::copy(src, dst);
    });
  });
}

void BM_Add(benchmark::State& state, bool cuda) {
  on_device(state, cuda, [&](const Device& device) {
    const int64_t n = state.range(0);
    const Tensor a = filled(n, device, 1.0), b = filled(n, device, 2.0), out = filled(n, device, 0.0);
    run_timed(state, device, 12 * n, [&] { kernels::binary_out({kernels::BinaryOp::Add}, a, b, out); });
  });
}

void BM_Relu(benchmark::State& state, bool cuda) {
  on_device(state, cuda, [&](const Device& device) {
    const int64_t n = state.range(0);
    const Tensor x = filled(n, device, -1.0), out = filled(n, device, 0.0);
    run_timed(state, device, 8 * n, [&] { kernels::unary_out({kernels::UnaryOp::Relu}, x, out); });
  });
}

void BM_Sum(benchmark::State& state, bool cuda) {
  on_device(state, cuda, [&](const Device& device) {
    const int64_t n = state.range(0);
    const Tensor x = filled(n, device, 1.0);
    run_timed(state, device, 4 * n, [&] { benchmark::DoNotOptimize(sum(x).data_ptr()); });
  });
}

constexpr int64_t k1M = int64_t{1} << 20, k16M = int64_t{1} << 24;

#define MINIDL_DEVICE_BENCH(fn)                                                                           \
  BENCHMARK_CAPTURE(fn, cpu, false)->Arg(k1M)->Arg(k16M)->UseManualTime()->Unit(benchmark::kMicrosecond); \
  BENCHMARK_CAPTURE(fn, cuda, true)->Arg(k1M)->Arg(k16M)->UseManualTime()->Unit(benchmark::kMicrosecond)

MINIDL_DEVICE_BENCH(BM_Copy);
MINIDL_DEVICE_BENCH(BM_Add);
MINIDL_DEVICE_BENCH(BM_Relu);
MINIDL_DEVICE_BENCH(BM_Sum);

}  // namespace
}  // namespace minidl

BENCHMARK_MAIN();
