// CUDA kernels for copy (with dtype cast), fill and arange: grid-stride loops,
// strided addressing through kernels/math/indexing.h, conversions through
// kernels/math/cast.h, so each element matches the CPU backend bit for bit.
#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/fill_copy.h"
#include "kernels/cuda/launch.h"
#include "kernels/dispatch.h"
#include "kernels/math/cast.h"
#include "kernels/ops.h"

namespace minidl::kernels::cuda {
namespace {

template <typename S, typename D>
__global__ void copy_kernel(const S* src, D* dst, int64_t n, StridedIndexer si, StridedIndexer di,
                            bool contiguous) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t s = contiguous ? i : si.offset(i);
    const int64_t d = contiguous ? i : di.offset(i);
    dst[d] = cast_value<D>(src[s]);
  }
}

template <typename T>
__global__ void fill_kernel(T* dst, int64_t n, StridedIndexer di, bool contiguous, T value) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    dst[contiguous ? i : di.offset(i)] = value;
}

template <typename T>
__global__ void arange_kernel(T* dst, int64_t n, double start, double step) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    dst[i] = cast_value<T>(start + static_cast<double>(i) * step);
}

cudaStream_t current_stream(const Tensor& t) {
  set_device(t.device().index);
  return static_cast<cudaStream_t>(Stream::current(t.device()).handle());
}

}  // namespace

void copy(const Tensor& src, const Tensor& dst) {
  const int64_t n = dst.numel();
  const bool contiguous = src.is_contiguous() && dst.is_contiguous();
  const StridedIndexer si = make_indexer(src);
  const StridedIndexer di = make_indexer(dst);
  const cudaStream_t stream = current_stream(dst);
  const auto grid = static_cast<unsigned>(grid_size(n, kBlockSize, kMaxBlocks));
  dispatch_all(src.dtype(), [&](auto src_tag) {
    using S = typename decltype(src_tag)::type;
    dispatch_all(dst.dtype(), [&](auto dst_tag) {
      using D = typename decltype(dst_tag)::type;
      copy_kernel<<<grid, kBlockSize, 0, stream>>>(static_cast<const S*>(src.data_ptr()),
                                                   static_cast<D*>(dst.data_ptr()), n, si, di, contiguous);
      MINIDL_CUDA_CHECK_LAUNCH(copy_kernel);
    });
  });
}

void fill(const Tensor& dst, double value) {
  const int64_t n = dst.numel();
  const StridedIndexer di = make_indexer(dst);
  const cudaStream_t stream = current_stream(dst);
  const auto grid = static_cast<unsigned>(grid_size(n, kBlockSize, kMaxBlocks));
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_kernel<<<grid, kBlockSize, 0, stream>>>(static_cast<T*>(dst.data_ptr()), n, di, dst.is_contiguous(),
                                                 cast_value<T>(value));
    MINIDL_CUDA_CHECK_LAUNCH(fill_kernel);
  });
}

void arange(const Tensor& dst, double start, double step) {
  const int64_t n = dst.numel();
  const cudaStream_t stream = current_stream(dst);
  const auto grid = static_cast<unsigned>(grid_size(n, kBlockSize, kMaxBlocks));
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    arange_kernel<<<grid, kBlockSize, 0, stream>>>(static_cast<T*>(dst.data_ptr()), n, start, step);
    MINIDL_CUDA_CHECK_LAUNCH(arange_kernel);
  });
}

}  // namespace minidl::kernels::cuda
