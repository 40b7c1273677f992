// Dispatch of copy, fill and arange to the CPU or CUDA backend. Copies across
// devices convert on the source device first, so only same-dtype contiguous
// bytes cross the bus.
#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/cpu/fill_copy.h"
#include "kernels/ops.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/fill_copy.h"
#endif

namespace minidl::kernels {

StridedIndexer make_indexer(const Tensor& t) {
  MINIDL_CHECK(t.dim() <= kMaxDims, ShapeError, "tensors have at most ", kMaxDims, " dims, got shape ",
               shape_str(t.shape()));
  StridedIndexer indexer;
  indexer.ndim = static_cast<int>(t.dim());
  for (int d = 0; d < indexer.ndim; ++d) {
    indexer.sizes[d] = t.shape()[d];
    indexer.strides[d] = t.strides()[d];
  }
  return indexer;
}

namespace {
void copy_same_device(const Tensor& src, const Tensor& dst) {
  if (dst.device().is_cpu()) cpu::copy(src, dst);
  else MINIDL_CUDA_DISPATCH(cuda::copy(src, dst));
}

// Contiguous same-dtype bytes from one device to another.
void copy_bytes(const Tensor& src, const Tensor& dst) {
  const Device cuda_device = src.device().is_cuda() ? src.device() : dst.device();
  const Stream stream = Stream::current(cuda_device);
  cuda::CopyKind kind = cuda::CopyKind::DeviceToDevice;
  if (src.device().is_cpu()) kind = cuda::CopyKind::HostToDevice;
  if (dst.device().is_cpu()) kind = cuda::CopyKind::DeviceToHost;
  cuda::set_device(cuda_device.index);
  cuda::memcpy_async(dst.data_ptr(), src.data_ptr(), src.nbytes(), kind, stream.handle());
  // The host reads the result right after a device-to-host copy (pageable memory). Stream::synchronize
  // also throws the errors kernels flagged (kernels/cuda/error_flag.h), such as a target out of range:
  // a value reaching the host is where they surface.
  if (kind == cuda::CopyKind::DeviceToHost) stream.synchronize();
}
}  // namespace

void copy(const Tensor& src, const Tensor& dst) {
  MINIDL_CHECK(src.shape() == dst.shape(), ShapeError, "copy: source shape ", shape_str(src.shape()),
               " differs from destination shape ", shape_str(dst.shape()));
  if (dst.numel() == 0) return;
  if (src.device() == dst.device()) return copy_same_device(src, dst);
  Tensor staged = src;
  if (src.dtype() != dst.dtype() || !src.is_contiguous()) {
    staged = empty(src.shape(), {.dtype = dst.dtype(), .device = src.device()});
    copy_same_device(src, staged);
  }
  if (dst.is_contiguous()) return copy_bytes(staged, dst);
  const Tensor landed = empty(dst.shape(), {.dtype = dst.dtype(), .device = dst.device()});
  copy_bytes(staged, landed);
  copy_same_device(landed, dst);
}

void fill(const Tensor& dst, double value) {
  if (dst.numel() == 0) return;
  if (dst.device().is_cpu()) cpu::fill(dst, value);
  else MINIDL_CUDA_DISPATCH(cuda::fill(dst, value));
}

void arange(const Tensor& dst, double start, double step) {
  MINIDL_CHECK(dst.is_contiguous(), ValueError, "arange: destination must be contiguous");
  if (dst.numel() == 0) return;
  if (dst.device().is_cpu()) cpu::arange(dst, start, step);
  else MINIDL_CUDA_DISPATCH(cuda::arange(dst, start, step));
}

}  // namespace minidl::kernels
