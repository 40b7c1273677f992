// Dispatch of the dropout kernels to the CPU or CUDA backend after checking the arguments.
// Both backends draw the keep bits with kernels/math/dropout.h, so their masks agree bit for bit.
#include "kernels/dropout.h"

#include <cstdint>

#include "kernels/cpu/dropout.h"
#include "kernels/math/dropout.h"
#if defined(MINIDL_WITH_CUDA)
#include "kernels/cuda/dropout.h"
#endif

namespace minidl::kernels {
namespace {

void check_drop_prob(double drop_prob, const char* op) {
  MINIDL_CHECK(drop_prob >= 0.0 && drop_prob <= 1.0, ValueError, op,
               ": dropout probability has to be between 0 and 1, but got ", drop_prob);
}

// src -> dst element-wise: contiguous, same shape, floating dtype, same device.
void check_pair(const Tensor& src, const Tensor& dst, const char* op) {
  MINIDL_CHECK(is_floating(src.dtype()), DTypeError, op, ": expected a floating dtype, got ", src.dtype());
  MINIDL_CHECK(src.dtype() == dst.dtype(), DTypeError, op, ": input dtype ", src.dtype(),
               " differs from output dtype ", dst.dtype());
  MINIDL_CHECK(src.shape() == dst.shape(), ShapeError, op, ": input shape ", shape_str(src.shape()),
               " differs from output shape ", shape_str(dst.shape()));
  MINIDL_CHECK(src.device() == dst.device(), DeviceError, op, ": input on ", src.device(), ", output on ",
               dst.device());
  MINIDL_CHECK(src.is_contiguous() && dst.is_contiguous(), ValueError, op,
               ": expected contiguous tensors, got strides ", shape_str(src.strides()), " and ",
               shape_str(dst.strides()));
}

void check_mask(const Tensor& mask, const Tensor& x, const char* op) {
  MINIDL_CHECK(
      mask.dtype() == DType::UInt8 && mask.is_contiguous() && mask.numel() == dropout_mask_bytes(x.numel()),
      ValueError, op, ": expected a contiguous uint8 mask of ", dropout_mask_bytes(x.numel()), " bytes for ",
      x.numel(), " elements, got ", mask.dtype(), " of shape ", shape_str(mask.shape()));
  MINIDL_CHECK(mask.device() == x.device(), DeviceError, op, ": mask on ", mask.device(), ", tensor on ",
               x.device());
  // The kernels read and write whole 32-bit words.
  MINIDL_CHECK(reinterpret_cast<uintptr_t>(mask.data_ptr()) % 4 == 0, ValueError, op,
               ": the mask must start on a 4-byte boundary");
}

}  // namespace

int64_t dropout_mask_bytes(int64_t n) { return 4 * dropout_mask_words(n); }

Tensor dropout_mask_like(const Tensor& x) {
  return empty({dropout_mask_bytes(x.numel())}, {.dtype = DType::UInt8, .device = x.device()});
}

void dropout_forward(const Tensor& x, const Tensor& y, const Tensor& mask, PhiloxSeed seed,
                     double drop_prob) {
  check_drop_prob(drop_prob, "dropout_forward");
  check_pair(x, y, "dropout_forward");
  check_mask(mask, x, "dropout_forward");
  if (x.numel() == 0) return;
  if (x.device().is_cpu())
    cpu::dropout_forward(x, y, mask, seed, drop_prob);
  else
    MINIDL_CUDA_DISPATCH(cuda::dropout_forward(x, y, mask, seed, drop_prob));
}

void dropout_backward(const Tensor& grad_output, const Tensor& mask, const Tensor& grad_input,
                      double drop_prob) {
  check_drop_prob(drop_prob, "dropout_backward");
  check_pair(grad_output, grad_input, "dropout_backward");
  check_mask(mask, grad_output, "dropout_backward");
  if (grad_output.numel() == 0) return;
  if (grad_output.device().is_cpu())
    cpu::dropout_backward(grad_output, mask, grad_input, drop_prob);
  else
    MINIDL_CUDA_DISPATCH(cuda::dropout_backward(grad_output, mask, grad_input, drop_prob));
}

void dropout_backward_regenerate(const Tensor& grad_output, const Tensor& grad_input, PhiloxSeed seed,
                                 double drop_prob) {
  check_drop_prob(drop_prob, "dropout_backward_regenerate");
  check_pair(grad_output, grad_input, "dropout_backward_regenerate");
  if (grad_output.numel() == 0) return;
  if (grad_output.device().is_cpu())
    cpu::dropout_backward_regenerate(grad_output, grad_input, seed, drop_prob);
  else
    MINIDL_CUDA_DISPATCH(cuda::dropout_backward_regenerate(grad_output, grad_input, seed, drop_prob));
}

}  // namespace minidl::kernels
