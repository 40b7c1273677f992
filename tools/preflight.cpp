// minidl_preflight: can this machine run minidl's CUDA backend? Prints the build's and the
// driver's CUDA versions, every device, the cuDNN and cuBLAS versions loaded, and runs a
// matmul (cuBLAS), a conv2d (cuDNN) and a reduction (our kernels) on each device against
// the CPU. One "key: value" per line; the last is "result: ok" (exit 0) or
// "result: FAILED: <the CUDA runtime's own error>" (exit 2). gpu-bundle/run.sh starts
// with it.
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>

#include "core/cuda/runtime.h"
#include "core/device.h"
#include "core/ops.h"
#include "core/random.h"
#include "core/tensor.h"
#include "kernels/libraries.h"

namespace {

using namespace minidl;

std::string version(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

double max_abs_diff(const Tensor& a, const Tensor& b) {
  return max(abs(a.to(Device::cpu()).to(DType::Float64) - b.to(DType::Float64))).item();
}

// The three kinds of device code on one device, against the CPU; returns the largest error.
double smoke(const Device& device) {
  manual_seed(0);
  const Tensor a = randn({64, 96}), b = randn({96, 32});
  const Tensor x = randn({2, 3, 16, 16}), w = randn({8, 3, 3, 3});
  double worst = max_abs_diff(matmul(a.to(device), b.to(device)), matmul(a, b));
  worst = std::max(worst, max_abs_diff(conv2d(x.to(device), w.to(device), {}, 1, 1), conv2d(x, w, {}, 1, 1)));
  worst = std::max(worst, max_abs_diff(sum(a.to(device), {1}), sum(a, {1})));
  return worst;
}

int fail(const std::string& why) {
  std::printf("result: FAILED: %s\n", why.c_str());
  return 2;
}

}  // namespace

int main() {
  namespace cuda = kernels::cuda;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (!cuda_compiled()) {
    std::printf("build: without CUDA\n");
    return fail("minidl was built without CUDA (configure with -DMINIDL_CUDA=ON)");
  }
  const cuda::RuntimeProbe& probe = cuda::probe();
  std::printf("build: CUDA %s\n", version(probe.runtime_version).c_str());
  std::printf("driver: %s\n", probe.driver_version > 0 ? ("CUDA " + version(probe.driver_version)).c_str()
                                                       : "none (no CUDA driver could be loaded)");
  std::printf("devices: %d\n", probe.device_count);
  if (probe.device_count == 0) return fail(probe.error);
  try {
    for (int i = 0; i < probe.device_count; ++i) {
      const cuda::DeviceProperties p = cuda::device_properties(i);
      std::printf("device %d: %s, sm_%d%d, %d SMs, %.1f GiB\n", i, p.name.c_str(), p.major, p.minor,
                  p.multiprocessors, static_cast<double>(p.total_memory) / (1024.0 * 1024.0 * 1024.0));
    }
    std::printf("libraries: %s\n", kernels::cuda_library_versions().c_str());
    for (int i = 0; i < probe.device_count; ++i) {
      const double error = smoke(Device::cuda(i));
      std::printf("smoke cuda:%d: matmul, conv2d and sum match the CPU within %.3g\n", i, error);
      if (!(error < 1e-2)) return fail("cuda:" + std::to_string(i) + " computes wrong results (error " +
                                       std::to_string(error) + ")");
    }
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  std::printf("result: ok\n");
  return 0;
}
