// Achieved bandwidth of the dropout and batch-norm kernels at 1M/16M/64M float32 elements,
// next to a device-to-device copy measured in the same run (the roofline). Bytes are what
// each implementation must move: copy 8 B/element; dropout forward 8.125 (x, y, 1-bit mask),
// backward 8.125; batch norm training forward 12 (statistics pass + normalize pass), eval 8,
// backward 20 (sums pass reads x, dy; dx pass reads x, dy, writes dx). CUDA times come from
// events with the L2 flushed before each run; CUDA cases skip with an error without a GPU.
// Batch norm runs on (N, 64, 32, 32), ResNet's first stage.
#include <benchmark/benchmark.h>

#include "bench/timing.h"

#include <chrono>
#include <functional>

#include "core/cuda/runtime.h"
#include "core/device.h"
#include "core/stream.h"
#include "core/tensor.h"
#include "kernels/batch_norm.h"
#include "kernels/dropout.h"
#include "kernels/ops.h"

namespace minidl {
namespace {

constexpr int64_t kChannels = 64, kSpatial = 32 * 32;
constexpr double kDropProb = 0.5;

// One timed step; the op runs on `device`'s current stream.

using bench::on_device;
using bench::run_timed;

Tensor filled(int64_t n, const Device& device, double value = 1.0) {
  return full({n}, value, {.dtype = DType::Float32, .device = device});
}

void BM_Copy(benchmark::State& state, bool cuda) {
  on_device(state, cuda, [&](const Device& device) {
    const int64_t n = state.range(0);
    const Tensor src = filled(n, device), dst = filled(n, device, 0.0);
    run_timed(state, device, 8.0 * n, [&] {
      if (device.is_cuda())
        kernels::cuda::memcpy_async(dst.data_ptr(), src.data_ptr(), src.nbytes(),
                                    kernels::cuda::CopyKind::DeviceToDevice,
                                    Stream::current(device).handle());
      else
        kernels::copy(src, dst);
    });
  });
}

void BM_DropoutForward(benchmark::State& state, bool cuda) {
  on_device(state, cuda, [&](const Device& device) {
    const int64_t n = state.range(0);
    const Tensor x = filled(n, device), y = empty_like(x), mask = kernels::dropout_mask_like(x);
    run_timed(state, device, 8.125 * n, [&] { kernels::dropout_forward(x, y, mask, {1234, 0}, kDropProb); });
  });
}

void BM_DropoutBackward(benchmark::State& state, bool cuda) {
  on_device(state, cuda, [&](const Device& device) {
    const int64_t n = state.range(0);
    const Tensor x = filled(n, device), y = empty_like(x), mask = kernels::dropout_mask_like(x);
    kernels::dropout_forward(x, y, mask, {1234, 0}, kDropProb);
    const Tensor dx = empty_like(x);
    run_timed(state, device, 8.125 * n, [&] { kernels::dropout_backward(y, mask, dx, kDropProb); });
  });
}

// Regenerating the mask: 8 B/element moved, plus a Philox block per four elements.
void BM_DropoutBackwardRegenerate(benchmark::State& state, bool cuda) {
  on_device(state, cuda, [&](const Device& device) {
    const int64_t n = state.range(0);
    const Tensor dy = filled(n, device), dx = empty_like(dy);
    run_timed(state, device, 8.0 * n, [&] {
      kernels::dropout_backward_regenerate(dy, dx, {1234, 0}, kDropProb);
    });
  });
}

struct BatchNormSetup {
  kernels::BatchNormInputs in;
  kernels::BatchNormStats stats;
  Tensor output;

  BatchNormSetup(int64_t n, const Device& device) {
    const TensorOptions options{.dtype = DType::Float32, .device = device};
    in.input = full({n / (kChannels * kSpatial), kChannels, 32, 32}, 0.5, options);
    in.weight = ones({kChannels}, options);
    in.bias = zeros({kChannels}, options);
    in.running_mean = zeros({kChannels}, options);
    in.running_var = ones({kChannels}, options);
    stats = kernels::make_batch_norm_stats(in.input);
    output = empty_like(in.input);
  }
};

void BM_BatchNormTrainForward(benchmark::State& state, bool cuda) {
  on_device(state, cuda, [&](const Device& device) {
    const BatchNormSetup s(state.range(0), device);
    run_timed(state, device, 12.0 * state.range(0),
              [&] { kernels::batch_norm_train_forward(s.in, s.output, s.stats, {}); });
  });
}

void BM_BatchNormEvalForward(benchmark::State& state, bool cuda) {
  on_device(state, cuda, [&](const Device& device) {
    const BatchNormSetup s(state.range(0), device);
    run_timed(state, device, 8.0 * state.range(0),
              [&] { kernels::batch_norm_eval_forward(s.in, s.output, s.stats, {}); });
  });
}

void BM_BatchNormBackward(benchmark::State& state, bool cuda) {
  on_device(state, cuda, [&](const Device& device) {
    const BatchNormSetup s(state.range(0), device);
    kernels::batch_norm_train_forward(s.in, s.output, s.stats, {});
    const kernels::BatchNormGrads grads{empty_like(s.in.input), empty_like(s.in.weight),
                                        empty_like(s.in.bias)};
    const Tensor dy = full(s.in.input.shape(), 0.25, {.dtype = DType::Float32, .device = device});
    run_timed(state, device, 20.0 * state.range(0),
              [&] { kernels::batch_norm_backward(dy, s.in, s.output, s.stats, true, false, grads); });
  });
}

constexpr int64_t k1M = int64_t{1} << 20, k16M = int64_t{1} << 24, k64M = int64_t{1} << 26;

#define MINIDL_DEVICE_BENCH(fn)        \
  BENCHMARK_CAPTURE(fn, cuda, true)    \
      ->Arg(k1M)                       \
      ->Arg(k16M)                      \
      ->Arg(k64M)                      \
      ->UseManualTime()                \
      ->Unit(benchmark::kMicrosecond); \
  BENCHMARK_CAPTURE(fn, cpu, false)->Arg(k1M)->Arg(k16M)->UseManualTime()->Unit(benchmark::kMicrosecond)

MINIDL_DEVICE_BENCH(BM_Copy);
MINIDL_DEVICE_BENCH(BM_DropoutForward);
MINIDL_DEVICE_BENCH(BM_DropoutBackward);
MINIDL_DEVICE_BENCH(BM_DropoutBackwardRegenerate);
MINIDL_DEVICE_BENCH(BM_BatchNormTrainForward);
MINIDL_DEVICE_BENCH(BM_BatchNormEvalForward);
MINIDL_DEVICE_BENCH(BM_BatchNormBackward);

}  // namespace
}  // namespace minidl

BENCHMARK_MAIN();
