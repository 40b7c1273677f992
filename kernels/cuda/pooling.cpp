// cuDNN max and average pooling, forward and backward. Max pooling uses the
// deterministic mode (the gradient goes to one maximum per window, not split), NaN
// propagates; average pooling counts padded zeros in the divisor or not, as asked.
#include "kernels/cuda/pooling.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/cudnn_utils.h"

namespace minidl::kernels::cuda {
namespace {

PoolingDescriptor pooling_descriptor(const Pool2dParams& p, PoolMode mode) {
  cudnnPoolingDescriptor_t raw = nullptr;
  MINIDL_CUDNN_CHECK(cudnnCreatePoolingDescriptor(&raw));
  PoolingDescriptor desc(raw);
  const cudnnPoolingMode_t cudnn_mode = mode == PoolMode::Max ? CUDNN_POOLING_MAX_DETERMINISTIC
                                        : p.count_include_pad ? CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING
                                                              : CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
  MINIDL_CUDNN_CHECK(cudnnSetPooling2dDescriptor(
      raw, cudnn_mode, CUDNN_PROPAGATE_NAN, cudnn_int(p.kernel.h, "kernel"), cudnn_int(p.kernel.w, "kernel"),
      cudnn_int(p.padding.h, "padding"), cudnn_int(p.padding.w, "padding"), cudnn_int(p.stride.h, "stride"),
      cudnn_int(p.stride.w, "stride")));
  return desc;
}

}  // namespace

void pool2d_forward(const Tensor& x, const Pool2dParams& p, PoolMode mode, const Tensor& out) {
  const cudnnHandle_t h = cudnn_handle(x.device());
  const PoolingDescriptor pd = pooling_descriptor(p, mode);
  const TensorDescriptor xd = tensor_descriptor(x), yd = tensor_descriptor(out);
  const Scalars s(x.dtype());
  MINIDL_CUDNN_CHECK(
      cudnnPoolingForward(h, pd.get(), s.one(), xd.get(), x.data_ptr(), s.zero(), yd.get(), out.data_ptr()));
}

void pool2d_backward(const Tensor& grad_out, const Tensor& x, const Tensor& out, const Pool2dParams& p,
                     PoolMode mode, const Tensor& grad_input) {
  const cudnnHandle_t h = cudnn_handle(x.device());
  const PoolingDescriptor pd = pooling_descriptor(p, mode);
  const TensorDescriptor xd = tensor_descriptor(x), yd = tensor_descriptor(out);
  const TensorDescriptor dyd = tensor_descriptor(grad_out), dxd = tensor_descriptor(grad_input);
  const Scalars s(x.dtype());
  MINIDL_CUDNN_CHECK(cudnnPoolingBackward(h, pd.get(), s.one(), yd.get(), out.data_ptr(), dyd.get(),
                                          grad_out.data_ptr(), xd.get(), x.data_ptr(), s.zero(), dxd.get(),
                                          grad_input.data_ptr()));
}

}  // namespace minidl::kernels::cuda
