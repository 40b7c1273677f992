// cuDNN handles and descriptors (kernels/cuda/cudnn_utils.h).
#include "kernels/cuda/cudnn_utils.h"

#include <climits>

#include "core/cuda/runtime.h"
#include "core/stream.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/handle_pool.h"

namespace minidl::kernels::cuda {

cudnnHandle_t cudnn_handle(const Device& device) {
  // One handle per thread and device (kernels/cuda/handle_pool.h); the pool is never destroyed,
  // since a static destructor may run after the CUDA runtime is gone.
  static auto* pool = new HandlePool<cudnnHandle_t>([](int) {
    cudnnHandle_t handle = nullptr;
    MINIDL_CUDNN_CHECK(cudnnCreate(&handle));
    return handle;
  });
  set_device(device.index);
  const cudnnHandle_t handle = pool->for_this_thread(device.index);
  MINIDL_CUDNN_CHECK(cudnnSetStream(handle, static_cast<cudaStream_t>(Stream::current(device).handle())));
  return handle;
}

cudnnDataType_t cudnn_dtype(DType dtype) {
  switch (dtype) {
    case DType::Float32: return CUDNN_DATA_FLOAT;
    case DType::Float64: return CUDNN_DATA_DOUBLE;
    case DType::Float16: return CUDNN_DATA_HALF;
    case DType::BFloat16: return CUDNN_DATA_BFLOAT16;
    default: break;
  }
  throw DTypeError(::minidl::detail::str_cat("cuDNN: unsupported dtype ", dtype));
}

cudnnDataType_t cudnn_compute_dtype(DType dtype) {
  return dtype == DType::Float64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
}

int cudnn_int(int64_t v, const char* what) {
  MINIDL_CHECK(v >= 0 && v <= INT_MAX, ValueError, "cuDNN: ", what, " = ", v, " exceeds the int range");
  return static_cast<int>(v);
}

TensorDescriptor tensor_descriptor(const Tensor& t) {
  MINIDL_CHECK(t.dim() == 4, ShapeError, "cuDNN: expected a 4-d tensor, got shape ", shape_str(t.shape()));
  cudnnTensorDescriptor_t raw = nullptr;
  MINIDL_CUDNN_CHECK(cudnnCreateTensorDescriptor(&raw));
  TensorDescriptor desc(raw);
  MINIDL_CUDNN_CHECK(cudnnSetTensor4dDescriptorEx(
      raw, cudnn_dtype(t.dtype()), cudnn_int(t.size(0), "N"), cudnn_int(t.size(1), "C"),
      cudnn_int(t.size(2), "H"), cudnn_int(t.size(3), "W"), cudnn_int(t.stride(0), "N stride"),
      cudnn_int(t.stride(1), "C stride"), cudnn_int(t.stride(2), "H stride"),
      cudnn_int(t.stride(3), "W stride")));
  return desc;
}

TensorDescriptor bias_descriptor(const Tensor& bias) {
  cudnnTensorDescriptor_t raw = nullptr;
  MINIDL_CUDNN_CHECK(cudnnCreateTensorDescriptor(&raw));
  TensorDescriptor desc(raw);
  MINIDL_CUDNN_CHECK(cudnnSetTensor4dDescriptor(raw, CUDNN_TENSOR_NCHW, cudnn_dtype(bias.dtype()), 1,
                                                cudnn_int(bias.numel(), "bias size"), 1, 1));
  return desc;
}

FilterDescriptor filter_descriptor(const Tensor& weight) {
  cudnnFilterDescriptor_t raw = nullptr;
  MINIDL_CUDNN_CHECK(cudnnCreateFilterDescriptor(&raw));
  FilterDescriptor desc(raw);
  MINIDL_CUDNN_CHECK(cudnnSetFilter4dDescriptor(
      raw, cudnn_dtype(weight.dtype()), CUDNN_TENSOR_NCHW, cudnn_int(weight.size(0), "O"),
      cudnn_int(weight.size(1), "C"), cudnn_int(weight.size(2), "kh"), cudnn_int(weight.size(3), "kw")));
  return desc;
}

}  // namespace minidl::kernels::cuda
