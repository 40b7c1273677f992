// The autograd members of Tensor: flags, gradients, detach and backward.
#include "core/autograd.h"
#include "core/tensor.h"

namespace minidl {

bool Tensor::requires_grad() const {
  const auto& meta = impl().autograd;
  return meta && meta->requires_grad;
}

const Tensor& Tensor::requires_grad_(bool requires_grad) const {
  auto& meta = impl().autograd;
  if (!meta) {
    if (!requires_grad) return *this;
    meta = std::make_shared<autograd::AutogradMeta>();
  }
  MINIDL_CHECK(requires_grad || !meta->grad_fn, ValueError, "requires_grad_(false) on a non-leaf tensor (made by ",
               meta->grad_fn ? meta->grad_fn->name : "", "): use detach() instead");
  MINIDL_CHECK(!requires_grad || !is_inference() || autograd::is_inference_mode_enabled(), ValueError,
               "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed "
               "(clone() it first)");
  MINIDL_CHECK(!requires_grad || is_floating(dtype()), DTypeError,
               "only floating tensors can require gradients, got dtype ", dtype());
  meta->requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const {
  const auto& meta = impl().autograd;
  return meta ? meta->grad : Tensor();
}

void Tensor::set_grad(const Tensor& grad) const {
  auto& meta = impl().autograd;
  if (!meta) meta = std::make_shared<autograd::AutogradMeta>();
  MINIDL_CHECK(!grad.defined() || grad.shape() == shape(), ShapeError, "set_grad: gradient of shape ",
               shape_str(grad.shape()), " for a tensor of shape ", shape_str(shape()));
  meta->grad = grad;
}

bool Tensor::is_leaf() const {
  const auto& meta = impl().autograd;
  return !meta || !meta->grad_fn;
}

std::string Tensor::grad_fn_name() const {
  const auto& meta = impl().autograd;
  return meta && meta->grad_fn ? meta->grad_fn->name : "";
}

Tensor Tensor::detach() const { return Tensor(storage(), shape(), strides(), storage_offset(), dtype()); }

void Tensor::backward(const Tensor& grad, bool retain_graph) const { autograd::backward(*this, grad, retain_graph); }

}  // namespace minidl
