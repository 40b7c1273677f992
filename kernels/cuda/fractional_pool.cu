// CUDA fractional max pooling over kernels/math/fractional_pool.h (the CPU loops' math):
// forward one thread per output element; backward one thread per input element, gathering
// from the windows whose argmax it is, so there are no atomics and the sums are the CPU's.
#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/fractional_pool.h"
#include "kernels/cuda/launch.h"
#include "kernels/dispatch.h"
#include "kernels/math/fractional_pool.h"

namespace minidl::kernels::cuda {
namespace {

template <typename T> struct FractionalArgs {
  const T* src;             // x forward, grad_out backward
  T* dst;                   // out forward, grad_input backward
  int64_t* indices;         // written forward, read backward
  const acc_t<T>* samples;  // [planes, 2]: u_w, u_h
  int64_t count;            // elements of dst
  FractionalAxis h, w;
};

template <typename T>
__device__ FractionalPlane<acc_t<T>> plane_at(const FractionalArgs<T>& a, int64_t plane) {
  return fractional_plane<acc_t<T>>(a.h, a.w, a.samples + 2 * plane);
}

template <typename T> __global__ void fractional_max_pool_fwd_kernel(FractionalArgs<T> a) {
  const int64_t plane_in = a.h.in * a.w.in, plane_out = a.h.out * a.w.out;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < a.count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t plane = i / plane_out, r = i % plane_out;
    const T* xp = a.src + plane * plane_in;
    const int64_t at = fractional_argmax<acc_t<T>>(xp, plane_at(a, plane), r / a.w.out, r % a.w.out);
    a.dst[i] = xp[at];
    a.indices[i] = at;
  }
}

template <typename T> __global__ void fractional_max_pool_bwd_kernel(FractionalArgs<T> a) {
  const int64_t plane_in = a.h.in * a.w.in, plane_out = a.h.out * a.w.out;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < a.count;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t plane = i / plane_in, r = i % plane_in;
    a.dst[i] =
        cast_value<T>(fractional_grad<acc_t<T>>(a.src + plane * plane_out, a.indices + plane * plane_out,
                                                plane_at(a, plane), r / a.w.in, r % a.w.in));
  }
}

cudaStream_t stream_of(const Tensor& t) {
  set_device(t.device().index);
  return static_cast<cudaStream_t>(Stream::current(t.device()).handle());
}

}  // namespace

void fractional_max_pool2d_forward(const Tensor& x, const Tensor& samples, Size2 kernel, const Tensor& out,
                                   const Tensor& indices) {
  const cudaStream_t stream = stream_of(out);
  const auto grid = static_cast<unsigned>(grid_size(out.numel(), kBlockSize, kMaxBlocks));
  dispatch_floating(x.dtype(), "fractional_max_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const FractionalArgs<T> args{static_cast<const T*>(x.data_ptr()),
                                 static_cast<T*>(out.data_ptr()),
                                 indices.data<int64_t>(),
                                 static_cast<const acc_t<T>*>(samples.data_ptr()),
                                 out.numel(),
                                 {x.size(2), out.size(2), kernel.h},
                                 {x.size(3), out.size(3), kernel.w}};
    fractional_max_pool_fwd_kernel<<<grid, kBlockSize, 0, stream>>>(args);
    MINIDL_CUDA_CHECK_LAUNCH(fractional_max_pool_fwd_kernel);
  });
}

void fractional_max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Tensor& samples,
                                    Size2 kernel, const Tensor& grad_input) {
  const cudaStream_t stream = stream_of(grad_input);
  const auto grid = static_cast<unsigned>(grid_size(grad_input.numel(), kBlockSize, kMaxBlocks));
  dispatch_floating(grad_out.dtype(), "fractional_max_pool2d backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const FractionalArgs<T> args{static_cast<const T*>(grad_out.data_ptr()),
                                 static_cast<T*>(grad_input.data_ptr()),
                                 indices.data<int64_t>(),
                                 static_cast<const acc_t<T>*>(samples.data_ptr()),
                                 grad_input.numel(),
                                 {grad_input.size(2), grad_out.size(2), kernel.h},
                                 {grad_input.size(3), grad_out.size(3), kernel.w}};
    fractional_max_pool_bwd_kernel<<<grid, kBlockSize, 0, stream>>>(args);
    MINIDL_CUDA_CHECK_LAUNCH(fractional_max_pool_bwd_kernel);
  });
}

}  // namespace minidl::kernels::cuda
