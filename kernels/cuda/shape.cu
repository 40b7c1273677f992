// CUDA kernels of index_select, index_add and pad: grid-stride loops over the
// index maps of kernels/math/shape.h, the same as the CPU loops. index_add
// scatters with atomicAdd (float32/float64; 16-bit sums go through float32 in the
// dispatcher); pad's backward is a gather, so it needs no atomics.
#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/error_flag.h"
#include "kernels/cuda/launch.h"
#include "kernels/cuda/shape.h"
#include "kernels/dispatch.h"
#include "kernels/math/cast.h"

namespace minidl::kernels::cuda {
namespace {

template <typename T> struct IndexParams {
  const T* src;
  T* dst;
  const int64_t* index;
  int64_t n;  // elements of the selection (index_select's output, index_add's source)
  IndexSelectGeometry geometry;
  DeviceErrorFlag* error;
};

template <typename T> __global__ void index_select_kernel(IndexParams<T> p) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t j = index_select_position(p.geometry, i);
    const int64_t index = p.index[j];
    if (index < 0 || index >= p.geometry.size) {
      raise_device_error(p.error, DeviceErrorCode::IndexOutOfRange, j, index, p.geometry.size);
      p.dst[i] = cast_value<T>(0);
      continue;
    }
    p.dst[i] = p.src[index_select_source(p.geometry, i, index)];
  }
}

template <typename T> __global__ void index_add_kernel(IndexParams<T> p) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t index = p.index[index_select_position(p.geometry, i)];
    if (index < 0 || index >= p.geometry.size) continue;  // index_select reported it
    atomicAdd(p.dst + index_select_source(p.geometry, i, index), p.src[i]);
  }
}

template <typename T> struct PadParams {
  const T* src;
  T* dst;
  int64_t n;
  PadGeometry geometry;
  T value;
};

template <typename T> __global__ void pad_fwd_kernel(PadParams<T> p) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.n;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t offset = pad_source_offset(p.geometry, i);
    p.dst[i] = offset < 0 ? p.value : p.src[offset];
  }
}

template <typename T> __global__ void pad_bwd_kernel(PadParams<T> p) {
  using A = acc_t<T>;
  const T* grad_out = p.src;
  const auto load = [grad_out](int64_t offset) { return static_cast<A>(widen(grad_out[offset])); };
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < p.n;
       i += int64_t{gridDim.x} * blockDim.x)
    p.dst[i] = cast_value<T>(pad_backward_value<A>(p.geometry, i, load));
}

cudaStream_t current_stream(const Tensor& t) {
  set_device(t.device().index);
  return static_cast<cudaStream_t>(Stream::current(t.device()).handle());
}

unsigned grid(int64_t n) { return static_cast<unsigned>(grid_size(n, kBlockSize, kMaxBlocks)); }

}  // namespace

void index_select(const Tensor& x, const Tensor& index, const IndexSelectGeometry& g, const Tensor& out) {
  DeviceErrorFlag* error = device_error_flag(x.device().index);
  const cudaStream_t stream = current_stream(x);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const IndexParams<T> p{static_cast<const T*>(x.data_ptr()),
                           static_cast<T*>(out.data_ptr()),
                           index.data<int64_t>(),
                           out.numel(),
                           g,
                           error};
    index_select_kernel<<<grid(p.n), kBlockSize, 0, stream>>>(p);
    MINIDL_CUDA_CHECK_LAUNCH(index_select_kernel);
  });
}

void index_add(const Tensor& dst, const Tensor& index, const IndexSelectGeometry& g, const Tensor& src) {
  const cudaStream_t stream = current_stream(dst);
  const auto launch = [&](auto* typed_dst) {
    using T = std::remove_pointer_t<decltype(typed_dst)>;
    const IndexParams<T> p{src.data<T>(), typed_dst, index.data<int64_t>(), src.numel(), g, nullptr};
    index_add_kernel<<<grid(p.n), kBlockSize, 0, stream>>>(p);
    MINIDL_CUDA_CHECK_LAUNCH(index_add_kernel);
  };
  if (dst.dtype() == DType::Float64)
    launch(dst.data<double>());
  else
    launch(dst.data<float>());  // the dispatcher sends only float32 and float64
}

void pad(const Tensor& x, const PadGeometry& g, double value, const Tensor& out) {
  const cudaStream_t stream = current_stream(x);
  dispatch_all(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const PadParams<T> p{static_cast<const T*>(x.data_ptr()), static_cast<T*>(out.data_ptr()), out.numel(), g,
                         cast_value<T>(value)};
    pad_fwd_kernel<<<grid(p.n), kBlockSize, 0, stream>>>(p);
    MINIDL_CUDA_CHECK_LAUNCH(pad_fwd_kernel);
  });
}

void pad_backward(const Tensor& grad_out, const PadGeometry& g, const Tensor& grad_x) {
  const cudaStream_t stream = current_stream(grad_x);
  dispatch_floating(grad_x.dtype(), "pad backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const PadParams<T> p{grad_out.data<T>(), grad_x.data<T>(), grad_x.numel(), g, T{}};
    pad_bwd_kernel<<<grid(p.n), kBlockSize, 0, stream>>>(p);
    MINIDL_CUDA_CHECK_LAUNCH(pad_bwd_kernel);
  });
}

}  // namespace minidl::kernels::cuda
