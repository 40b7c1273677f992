// Differentiable dropout and DropConnect over kernels/dropout.h. The mask is stored, one bit
// per element (1/32 of a float activation), rather than regenerated in backward: backward is
// then a pure streaming pass, with no Philox work that 16-bit activations would be bound by.
#include "core/ops/dropout.h"

#include "core/autograd.h"
#include "kernels/dropout.h"

namespace minidl {
namespace {

Tensor masked_scale(const char* op, const Tensor& x, double drop_prob, bool training, Generator* generator) {
  MINIDL_CHECK(drop_prob >= 0.0 && drop_prob <= 1.0, ValueError, op,
               ": dropout probability has to be between 0 and 1, but got ", drop_prob);
  MINIDL_CHECK(is_floating(x.dtype()), DTypeError, op, ": expected a floating dtype, got ", x.dtype());
  if (!training || drop_prob == 0.0 || x.numel() == 0) return x;
  Generator& chosen = generator != nullptr ? *generator : default_generator(x.device());
  MINIDL_CHECK(chosen.device() == x.device(), DeviceError, op, ": a generator of ", chosen.device(),
               " cannot draw a mask for a tensor on ", x.device());
  const Tensor input = x.contiguous();
  const Tensor y = empty(input.shape(), {.dtype = input.dtype(), .device = input.device()});
  const Tensor mask = kernels::dropout_mask_like(input);
  kernels::dropout_forward(input, y, mask, chosen.next(static_cast<uint64_t>(input.numel())), drop_prob);
  autograd::record(op, y, {x}, [mask, drop_prob](const Tensor& grad) {
    const Tensor dy = grad.contiguous();
    const Tensor dx = empty(dy.shape(), {.dtype = dy.dtype(), .device = dy.device()});
    kernels::dropout_backward(dy, mask, dx, drop_prob);
    return std::vector<Tensor>{dx};
  });
  return y;
}

}  // namespace

Tensor dropout(const Tensor& x, double drop_prob, bool training, Generator* generator) {
  return masked_scale("dropout", x, drop_prob, training, generator);
}

Tensor dropconnect_weight(const Tensor& w, double drop_prob, bool training, Generator* generator) {
  return masked_scale("dropconnect_weight", w, drop_prob, training, generator);
}

}  // namespace minidl
