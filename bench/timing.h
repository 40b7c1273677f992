// Shared timing for the bandwidth benchmarks: one op per iteration, timed with CUDA
// events on the device (a 256 MiB memset evicts the L2 — 50 MiB on an H100 — before
// each start event) or a steady clock on the CPU, reported as GB/s of the bytes the op
// must move, so each kernel can be read against a device-to-device copy of the same run.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/cuda/runtime.h"
#include "core/device.h"
#include "core/stream.h"
#include "core/tensor.h"

namespace minidl::bench {

using Op = std::function<void()>;

inline void run_timed(benchmark::State& state, const Device& device, double bytes_per_run, const Op& op) {
  double seconds = 0;
  op();  // warm-up: kernels loaded, allocator cache filled
  if (device.is_cuda()) {
    const Stream stream = Stream::current(device);
    const Tensor flush = empty({int64_t{1} << 28}, {.dtype = DType::UInt8, .device = device});
    Event start(true), stop(true);
    for (auto _ : state) {
      kernels::cuda::memset_async(flush.data_ptr(), 0, flush.nbytes(), stream.handle());
      start.record(stream);
      op();
      stop.record(stream);
      stop.synchronize();
      const double run = start.elapsed_ms(stop) * 1e-3;
      state.SetIterationTime(run);
      seconds += run;
    }
  } else {
    for (auto _ : state) {
      const auto begin = std::chrono::steady_clock::now();
      op();
      const double run = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      state.SetIterationTime(run);
      seconds += run;
    }
  }
  state.counters["GB/s"] = bytes_per_run * static_cast<double>(state.iterations()) / seconds / 1e9;
}

/// Runs body(device) unless the device is a GPU this machine lacks (then the benchmark is skipped).
template <typename Body> void on_device(benchmark::State& state, bool cuda, Body&& body) {
  if (cuda && !cuda_available()) {
    state.SkipWithError("no CUDA device on this machine");
    for (auto _ : state) {}
    return;
  }
  body(cuda ? Device::cuda() : Device::cpu());
}

/// Wall time per iteration (the CPU column sums all threads: a busy machine shows CPU well
/// below threads x wall), and with --benchmark_repetitions=N a "min" row: the least disturbed run.
inline void wall_time_with_min(benchmark::internal::Benchmark* b, benchmark::TimeUnit unit) {
  b->Unit(unit)->UseRealTime()->MeasureProcessCPUTime();
  b->ComputeStatistics("min",
                       [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
}

using LayerBenchmark = void (*)(benchmark::State&, const Device&, bool backward);

/// Registers `fn` as <name>/{cpu,cuda}_{forward,forward_backward}/<layer> for layers 0..layers-1,
/// timed by wall_time_with_min; the CUDA ones skip, visibly, without a device. Returns true, for
/// use in a namespace-scope initializer.
inline bool register_layer_benchmarks(const std::string& name, LayerBenchmark fn, int64_t layers,
                                      benchmark::TimeUnit unit) {
  for (const auto& [device_name, device] :
       {std::pair{"cpu", Device::cpu()}, std::pair{"cuda", Device::cuda()}})
    for (const bool backward : {false, true}) {
      const std::string full = name + "/" + device_name + (backward ? "_forward_backward" : "_forward");
      auto* b = benchmark::RegisterBenchmark(full.c_str(), [fn, device, backward](benchmark::State& state) {
        if (device.is_cuda() && !cuda_available()) return state.SkipWithError("no CUDA device");
        fn(state, device, backward);
      });
      wall_time_with_min(b->DenseRange(0, layers - 1), unit);
    }
  return true;
}

}  // namespace minidl::bench
