// Adaptive average pooling on CUDA (cuDNN has none): one thread per output element
// forward, one per input element backward, gathering from the windows that hold it,
// so there are no atomics and results match the CPU loops (kernels/math/pooling.h).
#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/pooling.h"
#include "kernels/dispatch.h"
#include "kernels/math/pooling.h"

namespace minidl::kernels::cuda {
namespace {

template <typename T> struct AdaptiveArgs {
  const T* src;   // x forward, grad_out backward
  T* dst;         // out forward, grad_input backward
  int64_t count;  // elements of dst
  AdaptiveGeometry g;
};

template <typename T> __global__ void adaptive_avg_pool_fwd_kernel(AdaptiveArgs<T> a) {
  const int64_t plane_out = a.g.out_h * a.g.out_w, plane_in = a.g.in_h * a.g.in_w;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < a.count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t plane = i / plane_out, r = i % plane_out;
    a.dst[i] = cast_value<T>(
        adaptive_avg_value<acc_t<T>>(a.src + plane * plane_in, a.g, r / a.g.out_w, r % a.g.out_w));
  }
}

template <typename T> __global__ void adaptive_avg_pool_bwd_kernel(AdaptiveArgs<T> a) {
  const int64_t plane_out = a.g.out_h * a.g.out_w, plane_in = a.g.in_h * a.g.in_w;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < a.count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t plane = i / plane_in, r = i % plane_in;
    a.dst[i] = cast_value<T>(
        adaptive_avg_grad<acc_t<T>>(a.src + plane * plane_out, a.g, r / a.g.in_w, r % a.g.in_w));
  }
}

AdaptiveGeometry geometry(const Tensor& in, const Tensor& out) {
  return {in.size(2), in.size(3), out.size(2), out.size(3)};
}

cudaStream_t stream_of(const Tensor& t) {
  set_device(t.device().index);
  return static_cast<cudaStream_t>(Stream::current(t.device()).handle());
}

}  // namespace

void adaptive_avg_pool2d_forward(const Tensor& x, const Tensor& out) {
  const cudaStream_t stream = stream_of(out);
  const auto grid = static_cast<unsigned>(grid_size(out.numel(), kBlockSize, kMaxBlocks));
  dispatch_floating(x.dtype(), "adaptive_avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const AdaptiveArgs<T> args{static_cast<const T*>(x.data_ptr()), static_cast<T*>(out.data_ptr()),
                               out.numel(), geometry(x, out)};
    adaptive_avg_pool_fwd_kernel<<<grid, kBlockSize, 0, stream>>>(args);
    MINIDL_CUDA_CHECK_LAUNCH(adaptive_avg_pool_fwd_kernel);
  });
}

void adaptive_avg_pool2d_backward(const Tensor& grad_out, const Tensor& grad_input) {
  const cudaStream_t stream = stream_of(grad_input);
  const auto grid = static_cast<unsigned>(grid_size(grad_input.numel(), kBlockSize, kMaxBlocks));
  dispatch_floating(grad_out.dtype(), "adaptive_avg_pool2d backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const AdaptiveArgs<T> args{static_cast<const T*>(grad_out.data_ptr()),
                               static_cast<T*>(grad_input.data_ptr()), grad_input.numel(),
                               geometry(grad_input, grad_out)};
    adaptive_avg_pool_bwd_kernel<<<grid, kBlockSize, 0, stream>>>(args);
    MINIDL_CUDA_CHECK_LAUNCH(adaptive_avg_pool_bwd_kernel);
  });
}

}  // namespace minidl::kernels::cuda
